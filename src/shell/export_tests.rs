//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! Quoting rules checked against small readers written from each format's specification, plus
//! the exact text of every format. Real shells read the same lines in `tests/shell_exports.rs`.

use super::*;
use crate::shell::test_support::handoff;

const NASTY: &[&str] = &[
    "",
    "plain",
    "it's",
    "''",
    "a\\b",
    "trailing\\",
    "\\'",
    "$HOME ${HOME} $(id) `id`",
    "two\nlines\n",
    "cr\r\nlf",
    "tab\there",
    "  spaces  ",
    "\"double\"",
    "#comment; & | < > * ? [ ] ~ !",
    "typographic \u{2018}quotes\u{2019} \u{201A}\u{201B}",
    "unicode é 日本 🦀",
];

/// Reads one POSIX single-quoted word (with `'\''` joins) back.
fn read_sh(word: &str) -> String {
    let mut out = String::new();
    let mut chars = word.chars();
    let mut quoted = false;
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (false, '\'') | (true, '\'') => quoted = !quoted,
            (false, '\\') => out.push(chars.next().unwrap()),
            (true, other) => out.push(other),
            (false, other) => panic!("unquoted {other:?} in {word:?}"),
        }
    }
    assert!(!quoted, "unterminated {word:?}");
    out
}

fn read_fish(word: &str) -> String {
    let inner = word.strip_prefix('\'').unwrap().strip_suffix('\'').unwrap();
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, chars.peek()) {
            ('\\', Some('\\' | '\'')) => out.push(chars.next().unwrap()),
            ('\'', _) => panic!("bare quote in {word:?}"),
            _ => out.push(ch),
        }
    }
    out
}

fn read_powershell(word: &str) -> String {
    let is_quote = |c: char| matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}');
    let inner = word.strip_prefix('\'').unwrap().strip_suffix('\'').unwrap();
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(ch) = chars.next() {
        if is_quote(ch) {
            let second = chars.next().unwrap();
            assert!(is_quote(second), "lone quote in {word:?}");
            out.push(second);
        } else {
            out.push(ch);
        }
    }
    out
}

fn read_dotenv(word: &str) -> String {
    let inner = word.strip_prefix('"').unwrap().strip_suffix('"').unwrap();
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => match chars.next().unwrap() {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                c @ ('\\' | '"') => out.push(c),
                other => panic!("escape \\{other} is not portable"),
            },
            '"' | '\n' | '\r' => panic!("raw {ch:?} in {word:?}"),
            _ => out.push(ch),
        }
    }
    out
}

#[test]
fn every_quoting_round_trips_nasty_values() {
    for value in NASTY {
        assert_eq!(read_sh(&sh_quote(value)), *value, "sh");
        assert_eq!(read_fish(&fish_quote(value)), *value, "fish");
        assert_eq!(read_powershell(&powershell_quote(value)), *value, "pwsh");
        assert_eq!(read_dotenv(&dotenv_quote(value)), *value, "dotenv");
    }
}

#[test]
fn quoting_follows_each_shells_rule() {
    assert_eq!(sh_quote("it's"), r"'it'\''s'");
    assert_eq!(sh_quote("a\\b$x"), r"'a\b$x'");
    assert_eq!(fish_quote("it's a\\b"), r"'it\'s a\\b'");
    assert_eq!(powershell_quote("it's $x"), "'it''s $x'");
    assert_eq!(powershell_quote("\u{2019}"), "'\u{2019}\u{2019}'");
    assert_eq!(dotenv_quote("a\"b\\c\nd$e"), r#""a\"b\\c\nd$e""#);
}

#[test]
fn sh_lines_are_exact() {
    let text = render(&handoff("se'cret", "tok", Some("eu-west-1")), Format::Sh);
    assert_eq!(
        text,
        "unset AWS_PROFILE\n\
         unset AWS_DEFAULT_PROFILE\n\
         unset AWS_SECURITY_TOKEN\n\
         export AWS_ACCESS_KEY_ID='ASIAEXAMPLEKEY'\n\
         export AWS_SECRET_ACCESS_KEY='se'\\''cret'\n\
         export AWS_SESSION_TOKEN='tok'\n\
         export AWS_CREDENTIAL_EXPIRATION='2033-05-18T03:33:20Z'\n\
         export AWS_REGION='eu-west-1'\n\
         export AWS_DEFAULT_REGION='eu-west-1'\n\
         export RUNAS_PROFILE='dev-admin'\n"
    );
}

#[test]
fn fish_and_powershell_lines_use_their_own_syntax() {
    let handoff = handoff("s", "", None);
    let fish = render(&handoff, Format::Fish);
    assert!(fish.starts_with("set -e AWS_PROFILE\n"), "{fish}");
    assert!(fish.contains("set -e AWS_SESSION_TOKEN\n"), "{fish}");
    assert!(
        fish.contains("set -gx AWS_SECRET_ACCESS_KEY 's'\n"),
        "{fish}"
    );
    let pwsh = render(&handoff, Format::PowerShell);
    assert!(
        pwsh.starts_with("Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue\n"),
        "{pwsh}"
    );
    assert!(
        pwsh.contains("$Env:RUNAS_PROFILE = 'dev-admin'\n"),
        "{pwsh}"
    );
    assert!(!pwsh.contains("AWS_REGION"), "{pwsh}");
}

#[test]
fn dotenv_lines_are_exact_and_skip_removals() {
    let text = render(&handoff("a\"b", "t\nu", None), Format::Dotenv);
    assert_eq!(
        text,
        "AWS_ACCESS_KEY_ID=\"ASIAEXAMPLEKEY\"\n\
         AWS_SECRET_ACCESS_KEY=\"a\\\"b\"\n\
         AWS_SESSION_TOKEN=\"t\\nu\"\n\
         AWS_CREDENTIAL_EXPIRATION=\"2033-05-18T03:33:20Z\"\n\
         RUNAS_PROFILE=\"dev-admin\"\n"
    );
}

#[test]
fn json_is_an_ordered_object_of_the_variables() {
    let text = render(&handoff("s\\", "t", Some("us-east-1")), Format::Json);
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed["AWS_SECRET_ACCESS_KEY"], "s\\");
    assert_eq!(parsed["AWS_REGION"], "us-east-1");
    assert_eq!(parsed.as_object().unwrap().len(), 7);
    let key_id = text.find("AWS_ACCESS_KEY_ID").unwrap();
    let profile = text.find("RUNAS_PROFILE").unwrap();
    assert!(key_id < profile, "documented order kept: {text}");
}

#[test]
fn format_names_parse() {
    for (name, format) in [
        ("sh", Format::Sh),
        ("bash", Format::Sh),
        ("ZSH", Format::Sh),
        ("fish", Format::Fish),
        ("powershell", Format::PowerShell),
        ("pwsh", Format::PowerShell),
        ("json", Format::Json),
        ("dotenv", Format::Dotenv),
    ] {
        assert_eq!(name.parse::<Format>().unwrap(), format, "{name}");
    }
    let err = "csh".parse::<Format>().unwrap_err().to_string();
    assert!(err.contains("`csh`"), "{err}");
}

#[test]
fn format_follows_the_shell_path() {
    assert_eq!(Format::from_shell_path("/usr/bin/fish"), Format::Fish);
    assert_eq!(
        Format::from_shell_path("/opt/microsoft/powershell/7/pwsh"),
        Format::PowerShell
    );
    assert_eq!(
        Format::from_shell_path(r"C:\Program Files\PowerShell\7\pwsh.exe"),
        Format::PowerShell
    );
    assert_eq!(Format::from_shell_path("-fish"), Format::Fish);
    assert_eq!(Format::from_shell_path("/bin/zsh"), Format::Sh);
    assert_eq!(Format::from_shell_path(""), Format::Sh);
}
