//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! The pre-scan line by line: comments, keys, continuations, sub-properties, line numbers.
use super::*;

#[test]
fn inline_comments_need_whitespace_before_them() {
    assert_eq!(strip_inline_comment(" okta            ; optional"), "okta");
    assert_eq!(strip_inline_comment(" okta # note"), "okta");
    assert_eq!(
        strip_inline_comment(" https://h/p#frag"),
        "https://h/p#frag"
    );
    assert_eq!(strip_inline_comment(" a;b"), "a;b");
    assert_eq!(strip_inline_comment(" ; all comment"), "");
    assert_eq!(strip_inline_comment(" a\u{3000}; wide space"), "a");
    assert_eq!(strip_inline_comment(" é;x é #y"), "é;x é");
}

#[test]
fn keys_split_at_the_first_delimiter_and_are_lowercased() {
    let pair = split_key_value("Role_ARN = arn:aws:iam::1:role/x").unwrap();
    assert_eq!(
        (&*pair.key, pair.value),
        ("role_arn", "arn:aws:iam::1:role/x")
    );
    assert!(!pair.colon);
    let pair = split_key_value("region: eu-west-1 ; note").unwrap();
    assert_eq!((&*pair.key, pair.value), ("region", "eu-west-1"));
    assert_eq!(pair.as_aws_cli_reads, "eu-west-1 ; note");
    assert!(pair.colon);
    assert!(split_key_value("= value").is_none());
    assert!(split_key_value("just words").is_none());
}

#[test]
fn problems_and_keys_keep_their_line_numbers() {
    let text = "stray = 1\n[profile a]\n  # indented comment\nnot a pair\nk = v ; c\r\n";
    let scan = scan(text, &[]);
    let keys: Vec<_> = scan.sections[0]
        .keys
        .iter()
        .map(|k| (&*k.key, &*k.value))
        .collect();
    assert_eq!(keys, [("k", "v")]);
    assert_eq!(scan.file_problems.len(), 1);
    assert_eq!(scan.file_problems[0].line, 1);
    assert_eq!(scan.sections[0].problems[0].line, 4);
    assert_eq!(scan.sections[0].keys[0].line, 5);
}

#[test]
fn nested_values_belong_to_the_key_with_the_empty_value() {
    let text = "[profile a]\ns3 =\n  max_concurrent_requests = 10\n\n  multipart = 1\n  region = x\nregion = y\n";
    let scan = scan(text, &[]);
    let keys = &scan.sections[0].keys;
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(
        keys[0].value,
        "\nmax_concurrent_requests = 10\nmultipart = 1\nregion = x"
    );
    assert_eq!((&*keys[1].key, &*keys[1].value), ("region", "y"));
    assert!(scan.sections[0].problems.is_empty());
}

#[test]
fn indented_keys_after_a_value_are_keys_of_their_own() {
    let scan = scan("[profile a]\n  region = x\n  output = json\n", &[]);
    let keys: Vec<_> = scan.sections[0].keys.iter().map(|k| &*k.key).collect();
    assert_eq!(keys, ["region", "output"]);
}

fn keys_of(scan: &Scan<'_>, section: usize) -> Vec<(String, String)> {
    scan.sections[section]
        .keys
        .iter()
        .map(|k| (k.key.to_string(), k.value.to_string()))
        .collect()
}

#[test]
fn a_sub_property_block_ends_at_the_first_line_not_indented_deeper() {
    let text = "  [profile wiki]\n  s3 =\n    max_concurrent_requests = 10\n  region = eu-west-1\n  [profile next]\n  output = json\n";
    let scan = scan(text, &[]);
    assert_eq!(scan.sections.len(), 2);
    assert_eq!(
        keys_of(&scan, 0),
        [
            ("s3".into(), "\nmax_concurrent_requests = 10".into()),
            ("region".into(), "eu-west-1".into())
        ]
    );
    assert_eq!(keys_of(&scan, 1), [("output".into(), "json".into())]);
}

#[test]
fn a_deeper_line_after_a_valued_key_continues_it_with_a_warning() {
    let scan = scan(
        "[profile a]\nregion = eu-west-1\n    role_arn = x\noutput = json\n",
        &[],
    );
    assert_eq!(
        keys_of(&scan, 0),
        [
            ("region".into(), "eu-west-1\nrole_arn = x".into()),
            ("output".into(), "json".into())
        ]
    );
    let problems = &scan.sections[0].problems;
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, 3);
    assert!(problems[0].message.contains("continues"), "{problems:?}");
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let scan = scan("\u{feff}[profile a]\nk = v\n", &[]);
    assert!(scan.file_problems.is_empty());
    assert_eq!(keys_of(&scan, 0), [("k".into(), "v".into())]);
}

#[test]
fn bad_sub_properties_are_reported_on_their_line() {
    let scan = scan("[profile a]\ns3 =\n  invalid\n  = v\n  ok = 1\n", &[]);
    assert_eq!(keys_of(&scan, 0), [("s3".into(), "\nok = 1".into())]);
    let lines: Vec<_> = scan.sections[0].problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4]);
}

#[test]
fn inline_comments_the_aws_cli_keeps_are_flagged_without_secrets() {
    let scan = scan(
        "[a]\nregion = eu-west-1 ; note\naws_secret_access_key = hunter2 # x\nweb_identity_provider = okta ; ok\n",
        &[],
    );
    let problems = &scan.sections[0].problems;
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].message.contains("`eu-west-1 ; note`"));
    assert!(!problems[1].message.contains("hunter2"));
}
