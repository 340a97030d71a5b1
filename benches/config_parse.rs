//! `config::parse` over generated web-identity profiles (100 / 1,000 / 10,000), and the
//! one-profile read at 10,000. docs/ARCHITECTURE.md "Scale"
//! expects configs this large; the goal is well under 100 ms for 10,000 in a release build.
//! Every fifth profile inherits its IdP settings through a `source_profile` chain, so the
//! inheritance walk is measured too.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    divan::main();
}

fn generated_config(count: usize) -> String {
    let mut text =
        String::from("[default]\nregion = eu-west-1\nweb_identity_client_id = shared-client\n\n");
    for index in 0..count {
        let _ = write!(
            text,
            "[profile p{index}]\n\
             web_identity_auth_url = https://example.okta.com/oauth2/default\n\
             web_identity_callback_uri = http://127.0.0.1:8090/callback\n\
             web_identity_provider = okta ; skip detection\n\
             role_arn = arn:aws:iam::123456789012:role/role-{index}\n\
             duration_seconds = 3600\n"
        );
        if index % 5 == 4 {
            let _ = writeln!(text, "source_profile = p{}", index - 1);
        }
        text.push('\n');
    }
    text
}

#[divan::bench(args = [100, 1_000, 10_000])]
fn parse(bencher: divan::Bencher, count: usize) {
    let text = generated_config(count);
    bencher.bench(|| {
        let config = runas::config::parse(Path::new("bench-config"), divan::black_box(&text));
        assert_eq!(config.profiles.len(), count + 1);
        config
    });
}

/// The one-profile read (`config::parse_profile`, what a cached `credential-process` does) of
/// the last profile of a config, beside the same profile alone: the difference is what reading
/// past 10,000 other profiles costs (the file's own read excepted: the text is in memory).
#[divan::bench(args = [0, 10_000])]
fn one_profile(bencher: divan::Bencher, others: usize) {
    let mut text = if others == 0 {
        String::new()
    } else {
        generated_config(others)
    };
    text.push_str(
        "[profile wanted]\n\
         web_identity_auth_url = https://example.okta.com/oauth2/default\n\
         web_identity_client_id = wanted-client\n\
         role_arn = arn:aws:iam::123456789012:role/wanted\n",
    );
    bencher.bench(|| {
        let config = runas::config::parse_profile(
            Path::new("bench-config"),
            divan::black_box(text.as_bytes()),
            None,
            "wanted",
        );
        assert!(config.is_some_and(|config| config.profile("wanted").is_some()));
    });
}
