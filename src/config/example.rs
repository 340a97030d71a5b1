//! The example profile shown to a person who has none yet: by the TUI's "Getting started"
//! box, by `runas list` on an empty config, and in the error for a missing config file. One
//! copy, so the three never teach different keys.

/// A complete browser-login profile, one line per key, aligned for reading.
pub const EXAMPLE_PROFILE: [&str; 6] = [
    "[profile dev-admin]",
    "web_identity_auth_url     = https://example.okta.com/oauth2/default",
    "web_identity_client_id    = 0oa1b2c3d4",
    "web_identity_callback_uri = http://127.0.0.1:8090/callback",
    "role_arn                  = arn:aws:iam::123456789012:role/dev-admin",
    "region                    = eu-west-1",
];

/// How to start, for a terminal: where profiles go, the example indented, what to run next.
pub fn getting_started_text() -> String {
    let mut text = String::from(
        "add a profile to ~/.aws/config (or the file $AWS_CONFIG_FILE or --config names), e.g.:\n\n",
    );
    for line in EXAMPLE_PROFILE {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(
        "\nthen `runas list` shows it and `runas login dev-admin` logs in (README: Configuration)\n",
    );
    text
}
