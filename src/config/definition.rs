//! What defines one profile's credentials, as bytes for a fingerprint: the cache serves a
//! credential only to the definition it was obtained for (ARCHITECTURE.md: Cache), so any
//! change to one of these bytes means a fresh exchange. The definition is every key as written
//! (secrets too: a new key must not be served an old session) of the profile, of each profile
//! its `source_profile` chain passes through, of `default` (whose keys it may inherit), and of
//! the sso-sessions they name, plus the paths of the two files. Line numbers are left out, so
//! editing another profile above it changes nothing. The bytes stay in memory: callers hash
//! them and store only the hash.

use std::path::Path;

use super::{Config, Entry};

impl Config {
    /// The definition of profile `name`; `None` when there is no such profile.
    pub fn definition(&self, name: &str) -> Option<Vec<u8>> {
        let profile = self.profile(name)?;
        let mut out = Vec::new();
        field(&mut out, b"config");
        path(&mut out, Some(&self.path));
        field(&mut out, b"credentials");
        path(&mut out, self.credentials_path.as_deref());
        // The chain, nearest first; it ends at a profile without source_profile, at the
        // "my own keys" idiom (a profile naming itself), at a name that is missing, or where
        // it would repeat (a cycle, which the profile's own errors already report).
        let mut members = vec![profile];
        let mut current = profile;
        while let Some(source) = current.source_profile.as_deref() {
            if members.iter().any(|member| member.name == source) {
                field(&mut out, b"cycle");
                field(&mut out, source.as_bytes());
                break;
            }
            match self.profile(source) {
                Some(next) => {
                    members.push(next);
                    current = next;
                }
                None => {
                    field(&mut out, b"missing");
                    field(&mut out, source.as_bytes());
                    break;
                }
            }
        }
        if let Some(default) = self.profile("default")
            && !members.iter().any(|member| member.name == "default")
        {
            members.push(default);
        }
        for member in &members {
            field(&mut out, b"profile");
            field(&mut out, member.name.as_bytes());
            entries(&mut out, &member.entries);
            let Some(session) = member.get("sso_session").map(|e| e.value.as_str()) else {
                continue;
            };
            field(&mut out, b"sso-session");
            field(&mut out, session.as_bytes());
            match self.sso_session(session) {
                Some(found) => entries(&mut out, &found.entries),
                None => field(&mut out, b"missing"),
            }
        }
        Some(out)
    }
}

/// Length-prefixed, so no two different lists of fields give the same bytes.
fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn path(out: &mut Vec<u8>, path: Option<&Path>) {
    match path {
        Some(path) => field(out, path.as_os_str().as_encoded_bytes()),
        None => field(out, b"none"),
    }
}

fn entries(out: &mut Vec<u8>, entries: &[Entry]) {
    field(out, &(entries.len() as u64).to_le_bytes());
    for entry in entries {
        field(out, entry.key.as_bytes());
        field(out, entry.value.as_bytes());
        field(out, &[u8::from(entry.in_credentials_file)]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use std::path::Path;

    fn definition(text: &str, name: &str) -> Option<Vec<u8>> {
        parse(Path::new("/c"), text).definition(name)
    }

    const BASE: &str = "[default]\nregion = eu-west-1\n\
        [profile root]\naws_access_key_id = A\naws_secret_access_key = S\n\
        [profile p]\nsource_profile = root\nrole_arn = arn:aws:iam::123456789012:role/r\n\
        [profile other]\nregion = x\n";

    #[test]
    fn every_key_it_depends_on_changes_it_and_nothing_else_does() {
        let base = definition(BASE, "p").unwrap();
        let changed = |from: &str, to: &str| {
            assert!(BASE.contains(from), "{from}");
            definition(&BASE.replacen(from, to, 1), "p").unwrap()
        };
        assert_ne!(base, changed("role/r", "role/s"), "own key");
        assert_ne!(base, changed("= S", "= T"), "a secret of the chain's root");
        assert_ne!(base, changed("eu-west-1", "eu-west-2"), "default");
        assert_ne!(
            base,
            changed("source_profile = root", "source_profile = other")
        );
        assert_eq!(
            base,
            changed("region = x", "region = y"),
            "an unrelated profile"
        );
        assert_eq!(
            base,
            changed("[default]", "\n\n[default]"),
            "line numbers only"
        );
        assert_eq!(definition(BASE, "nope"), None);
        let moved = parse(Path::new("/elsewhere"), BASE)
            .definition("p")
            .unwrap();
        assert_ne!(base, moved, "another config file");
    }

    #[test]
    fn sessions_cycles_and_missing_sources_are_part_of_it() {
        let sso = "[profile s]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n\
                   [sso-session corp]\nsso_start_url = https://a\nsso_region = eu-west-1\n";
        let base = definition(sso, "s").unwrap();
        let other_url = definition(&sso.replace("https://a", "https://b"), "s").unwrap();
        assert_ne!(base, other_url);
        let cycle = "[profile a]\nsource_profile = b\n[profile b]\nsource_profile = a\n";
        assert!(definition(cycle, "a").is_some());
        let missing = definition("[profile a]\nsource_profile = gone\n", "a").unwrap();
        assert_ne!(
            missing,
            definition("[profile a]\nsource_profile = went\n", "a").unwrap()
        );
    }
}
