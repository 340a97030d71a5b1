//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! The one-profile read against the full read: the same profile from every fixture and layout.

use std::path::Path;

use super::*;
use crate::config::{Config, parse, parse_with_credentials};

const CONFIG: &str = "/t/config";
const CREDENTIALS: &str = "/t/credentials";

/// Asserts that the one-profile read of `name` gives what the full read gives for it, its
/// chain, `default` and their sso-sessions, and the same definition. Returns whether the fast
/// path answered at all.
pub(crate) fn agrees(config: &str, credentials: Option<&str>, name: &str) -> bool {
    let full = match credentials {
        Some(text) => {
            parse_with_credentials(Path::new(CONFIG), config, Path::new(CREDENTIALS), text)
        }
        None => parse(Path::new(CONFIG), config),
    };
    let credentials = credentials.map(|text| (Path::new(CREDENTIALS), text.as_bytes()));
    let Some(fast) = parse_profile(Path::new(CONFIG), config.as_bytes(), credentials, name) else {
        return false;
    };
    let mut names = vec![name.to_string(), "default".to_string()];
    let mut index = 0;
    while index < names.len() {
        if let Some(profile) = full.profile(&names[index]) {
            for next in [
                profile.source_profile.clone(),
                profile.get("sso_session").map(|e| e.value.clone()),
            ]
            .into_iter()
            .flatten()
            {
                if !names.contains(&next) {
                    names.push(next);
                }
            }
        }
        index += 1;
    }
    for wanted in &names {
        same_profile(&full, &fast, wanted, name);
        let full_session = full.sso_session(wanted).map(|s| format!("{s:?}"));
        let fast_session = fast.sso_session(wanted).map(|s| format!("{s:?}"));
        assert_eq!(
            full_session, fast_session,
            "sso-session {wanted} (for {name})"
        );
    }
    assert_eq!(
        full.definition(name),
        fast.definition(name),
        "definition of {name}"
    );
    true
}

fn same_profile(full: &Config, fast: &Config, wanted: &str, name: &str) {
    let full_profile = full.profile(wanted);
    let fast_profile = fast.profile(wanted);
    assert_eq!(
        full_profile.map(|p| format!("{p:?}")),
        fast_profile.map(|p| format!("{p:?}")),
        "profile {wanted} (for {name})"
    );
    // Debug masks secrets; the entries compare them too.
    assert_eq!(
        full_profile.map(|p| &p.entries),
        fast_profile.map(|p| &p.entries),
        "entries of {wanted} (for {name})"
    );
}

/// Every profile of `config` agrees; returns how many the fast path answered.
fn all_agree(config: &str, credentials: Option<&str>) -> usize {
    let full = match credentials {
        Some(text) => {
            parse_with_credentials(Path::new(CONFIG), config, Path::new(CREDENTIALS), text)
        }
        None => parse(Path::new(CONFIG), config),
    };
    let mut names: Vec<String> = full.profiles.iter().map(|p| p.name.clone()).collect();
    names.push("absent".into());
    names
        .iter()
        .filter(|name| agrees(config, credentials, name))
        .count()
}

#[test]
fn every_fixture_profile_reads_as_the_full_read_reads_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config");
    let mut answered = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        answered += all_agree(&text, None);
        answered += all_agree(
            &text,
            Some("[default]\naws_access_key_id = A\naws_secret_access_key = S\n"),
        );
    }
    assert!(answered > 40, "only {answered} profiles took the fast path");
}

#[test]
fn awkward_layouts_read_alike() {
    let cases = [
        // Duplicated sections, [profile default] beside [default], a chain through both files.
        "[default]\nregion = a\n[profile p]\nsource_profile = s\nrole_arn = arn:aws:iam::123456789012:role/r\n\
         [profile default]\nregion = b\n[profile p]\nregion = c\n",
        // An indented header after a key: a continuation; after a blank section: a header.
        "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = s\n  [profile s]\n\
         [profile x]\n  [profile s]\n  aws_access_key_id = A\n  aws_secret_access_key = B\n",
        // A broken header whose following indented header counts; CRLF; a BOM.
        "\u{feff}[profile q\r\n  [profile p]\r\nsource_profile = p\r\naws_access_key_id = A\r\n\
         aws_secret_access_key = B\r\n",
        // Unicode whitespace before `[`, a `[` inside values, a comment with a bracket.
        "[profile p]\ncredential_process = x [a]\n# [profile y]\n\u{a0}[profile y]\nregion = r\n\
         [profile y]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n\
         [sso-session s]\nsso_start_url = https://u\nsso_region = r\n",
        // A cycle and a missing source.
        "[profile a]\nsource_profile = b\nrole_arn = arn:aws:iam::123456789012:role/r\n\
         [profile b]\nsource_profile = a\nrole_arn = arn:aws:iam::123456789012:role/r\n\
         [profile c]\nsource_profile = gone\nrole_arn = arn:aws:iam::123456789012:role/r\n",
        // Whitespace `str::trim` removes and a byte test might not: a vertical tab, U+3000.
        "[profile p\u{b}]\nsource_profile = q\nrole_arn = arn:aws:iam::123456789012:role/r\n\
         [profile q\u{3000}]\nweb_identity_auth_url = https://i\nweb_identity_client_id = c\n\
         role_arn = arn:aws:iam::123456789012:role/r\n",
        // A byte-order mark before an indented header that opens the file.
        "\u{feff}  [profile p]\naws_access_key_id = A\naws_secret_access_key = B\n",
        // Keys before any header and nested values.
        "region = x\n[profile p]\ns3 =\n  a = 1\n[profile q]\nweb_identity_auth_url = https://i\n\
         web_identity_client_id = c\nrole_arn = arn:aws:iam::123456789012:role/r\n",
    ];
    let credentials = "[s]\naws_access_key_id = A\naws_secret_access_key = B\n[p]\nregion = z\n\
                       [profile s]\nregion = ignored\n";
    for case in cases {
        all_agree(case, None);
        all_agree(case, Some(credentials));
    }
    assert!(agrees(cases[0], Some(credentials), "p"));
    assert!(agrees(cases[3], None, "y"));
    assert!(agrees(cases[5], None, "p"));
    assert!(agrees(cases[6], None, "p"));
    let vertical_tab = parse_profile(Path::new(CONFIG), cases[5].as_bytes(), None, "p").unwrap();
    assert!(
        vertical_tab.profile("q").is_some(),
        "the chain through `[profile q\u{3000}]`"
    );
}

#[test]
fn reading_through_a_small_buffer_cuts_lines_anywhere_and_reads_alike() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config");
    let mut texts: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| std::fs::read_to_string(entry.unwrap().path()).ok())
        .collect();
    texts.push(
        "\u{feff}[profile p]\nregion = a\n  [profile q]\n[profile q]\nsource_profile = p\n".into(),
    );
    let mut compared = 0;
    for text in &texts {
        let names = parse(Path::new(CONFIG), text).profiles;
        for name in names.iter().map(|p| p.name.as_str()) {
            let whole = parse_profile(Path::new(CONFIG), text.as_bytes(), None, name);
            for block in [1, 2, 3, 7, 64] {
                let cut =
                    parse_profile_in_blocks(Path::new(CONFIG), text.as_bytes(), None, name, block);
                assert_eq!(
                    format!("{cut:?}"),
                    format!("{whole:?}"),
                    "{name}, {block}-byte reads"
                );
            }
            compared += 1;
        }
    }
    assert!(compared > 40, "{compared}");
}

#[test]
fn large_generated_configs_agree_and_only_the_profile_is_read() {
    let mut text = String::from("[default]\nregion = eu-west-1\n");
    for i in 0..2000 {
        text.push_str(&format!(
            "[profile p{i}]\nweb_identity_auth_url = https://idp{}.example/oauth2\n\
             web_identity_client_id = c{i}\nrole_arn = arn:aws:iam::123456789012:role/r{i}\n\n",
            i % 7
        ));
    }
    text.push_str(
        "[profile chained]\nsource_profile = p1999\nrole_arn = arn:aws:iam::123456789012:role/c\n",
    );
    assert!(agrees(&text, None, "p1234"));
    assert!(agrees(&text, None, "chained"));
    let fast = parse_profile(Path::new(CONFIG), text.as_bytes(), None, "chained").unwrap();
    let names: Vec<&str> = fast.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["default", "p1999", "chained"]);
    assert!(parse_profile(Path::new(CONFIG), text.as_bytes(), None, "absent").is_none());
}
