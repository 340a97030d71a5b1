//! The token/credential cache decoder over arbitrary bytes. Beyond "no panic": any file that
//! decodes re-encodes with the store's own encoder to bytes that decode to the same key,
//! entry and current format version, so an entry never changes by being written back.

#![no_main]

use libfuzzer_sys::fuzz_target;
use runas::cache::store::{CredentialEntry, FORMAT_VERSION, TokenEntry, decode, encode};
use serde::Serialize;
use serde::de::DeserializeOwned;

fuzz_target!(|bytes: &[u8]| {
    round_trip::<TokenEntry>(bytes);
    round_trip::<CredentialEntry>(bytes);
});

fn round_trip<T>(bytes: &[u8])
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let Ok(decoded) = decode::<T>(bytes) else {
        return;
    };
    let _shown = format!("{decoded:?}");
    // Both expects are the property under test: a panic is a finding.
    let encoded = encode(&decoded.key, &decoded.entry).expect("a decoded entry encodes");
    let again = decode::<T>(&encoded).expect("the encoder's output decodes");
    assert_eq!(again.version, FORMAT_VERSION);
    assert_eq!(again.key, decoded.key);
    assert_eq!(again.entry, decoded.entry);
}
