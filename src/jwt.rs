//! Reading a JWT's halves without checking them: for claims whose trust comes from elsewhere
//! (STS verifies a workload token itself; AWS signs the Identity Center token and STS checks the
//! context taken from it) and for naming the key id in an error. Nothing read here may ever
//! decide whether a token is trusted; `idp::flow::verify` does that.

use serde_json::Value;

/// The JOSE header of `token`, if it is a JWT.
pub fn unverified_header(token: &str) -> Option<Value> {
    part(token, 0)
}

/// The claims of a JWT payload, read without verification: only for claims a service checks
/// again (a session name from a workload token, the Identity Center identity context).
pub fn unverified_claims(token: &str) -> Option<Value> {
    part(token, 1)
}

/// The header's `kid`, if any: the key an unknown-key error should name.
pub fn key_id(token: &str) -> Option<String> {
    unverified_header(token)?
        .get("kid")?
        .as_str()
        .map(str::to_owned)
}

fn part(token: &str, index: usize) -> Option<Value> {
    let encoded = token.split('.').nth(index)?;
    serde_json::from_slice(&base64url_decode(encoded)?).ok()
}

/// Unpadded base64url (RFC 4648 §5), as JWTs use it.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            b'=' => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_and_key_id_are_read_from_a_jwt() {
        // {"alg":"RS256","kid":"k-2"} . {"sub":"system:serviceaccount:ns:app","email":"x@y.z"}
        let header = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImstMiJ9";
        let payload = "eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6YXBwIiwiZW1haWwiOiJ4QHkueiJ9";
        let token = format!("{header}.{payload}.s");
        let read = unverified_claims(&token).unwrap();
        assert_eq!(read["email"], "x@y.z");
        assert_eq!(read["sub"], "system:serviceaccount:ns:app");
        assert_eq!(key_id(&token).as_deref(), Some("k-2"));
        assert!(unverified_claims("not a jwt").is_none());
        assert!(key_id("not a jwt").is_none());
    }
}
