//! Shared copies for one read of a config: generated configs give thousands of profiles the
//! same few URLs and the same web-identity settings, and one copy each keeps typing them fast
//! and the TUI small at 10,000 profiles (ARCHITECTURE.md: Scale). Each keeps a bounded number
//! of distinct values, so a config whose values all differ costs nothing extra.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use openidconnect::url::Url;

use super::web_identity::WebIdentity;
use super::{FastMap, FastSet};

/// Parsed URLs by their text, for one read of a config: generated configs give thousands of
/// profiles the same few IdP and callback URLs, and parsing every copy was a quarter of typing
/// the profiles (callgrind, 10,000 profiles); a clone is one allocation. Holds the first
/// [`UrlMemo::LIMIT`] distinct texts only, so a config of all-different URLs costs no memory.
#[derive(Default)]
pub(super) struct UrlMemo {
    parsed: FastMap<String, Url>,
}

impl UrlMemo {
    const LIMIT: usize = 64;

    pub(super) fn parse(&mut self, text: &str) -> Result<Url, openidconnect::url::ParseError> {
        if let Some(url) = self.parsed.get(text) {
            return Ok(url.clone());
        }
        let url = Url::parse(text)?;
        if self.parsed.len() < Self::LIMIT {
            self.parsed.insert(text.to_owned(), url.clone());
        }
        Ok(url)
    }
}

/// Equal values turned into one shared copy, for one read of a config: profiles of one IdP
/// app resolve to the same web-identity settings, 400 bytes and four allocations each (5.5 MB
/// of the TUI's memory at 10,000 profiles). Like [`UrlMemo`], it keeps the first
/// [`Interner::LIMIT`] distinct values only.
pub(super) struct Interner<T> {
    shared: FastSet<Arc<T>>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            shared: FastSet::default(),
        }
    }
}

impl<T: Eq + Hash> Interner<T> {
    const LIMIT: usize = 64;

    pub(super) fn share(&mut self, value: T) -> Arc<T> {
        if let Some(shared) = self.shared.get(&value) {
            return Arc::clone(shared);
        }
        let value = Arc::new(value);
        if self.shared.len() < Self::LIMIT {
            self.shared.insert(Arc::clone(&value));
        }
        value
    }
}

/// For [`Interner`]: the IdP URL and client tell settings apart in practice, and `Eq` compares
/// the rest (equal settings still hash alike). A derived hash of every field was 5 % of reading
/// a 10,000-profile config.
impl Hash for WebIdentity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.auth_url.as_str().hash(state);
        self.client_id.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::values::{parse_http_url, parse_http_url_with};

    #[test]
    fn the_url_memo_reads_what_a_fresh_parse_reads_and_stays_small() {
        let mut urls = UrlMemo::default();
        for text in [
            "https://a.example/x",
            "https://a.example/x",
            "not a url",
            "http://[::1",
        ] {
            assert_eq!(urls.parse(text), Url::parse(text), "{text}");
        }
        assert_eq!(
            parse_http_url_with(&mut urls, "k", "ftp://a.example/"),
            parse_http_url("k", "ftp://a.example/")
        );
        for port in 0..200 {
            urls.parse(&format!("https://a.example:{port}/")).unwrap();
        }
        assert_eq!(urls.parsed.len(), UrlMemo::LIMIT);
    }

    #[test]
    fn equal_values_share_one_copy_and_the_interner_stays_small() {
        let mut interner = Interner::default();
        let first = interner.share(String::from("a"));
        let again = interner.share(String::from("a"));
        assert!(Arc::ptr_eq(&first, &again));
        assert!(!Arc::ptr_eq(&first, &interner.share(String::from("b"))));
        for n in 0..200 {
            assert_eq!(*interner.share(n.to_string()), n.to_string());
        }
        assert_eq!(interner.shared.len(), Interner::<String>::LIMIT);
    }
}
