//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! The two halves of a large file against the whole file: at every cut, and through the entry
//! point on a file large enough to be cut.

use super::*;
use std::fmt::Write as _;

/// Both halves' reading put together, compared field by field with the whole file's.
fn assert_same(halves: &Scanned<'_>, whole: &Scanned<'_>, what: &str) {
    assert_eq!(
        format!("{:?}", halves.scan),
        format!("{:?}", whole.scan),
        "{what}: sections and problems"
    );
    assert_eq!(halves.entries, whole.entries, "{what}: entries");
}

/// Every place the file can be cut: the start of each line that begins with `[`.
fn cuts(text: &str) -> Vec<usize> {
    memchr::memmem::find_iter(text.as_bytes(), b"\n[")
        .map(|at| at + 1)
        .collect()
}

fn tricky_config() -> String {
    let mut text = String::from("region = before any header\n[default]\nregion = eu-west-1\n");
    for index in 0..40 {
        let _ = write!(
            text,
            "[profile p{index}]\r\nrole_arn = arn:aws:iam::123456789012:role/r{index} ; note\n\
             s3 =\n  max_concurrent_requests = 4\n  bad sub-property\n\
             credential_process = tool --flag\n  continued line\n  [indented] = hidden\n\
             not a key line\n[broken header\nkey = ignored after a broken header\n\
             [profile  spaced ]  trailing\nOdd Key = x\nweb_identity_client_id : colon\n\
             [sso-session s{index}]\nsso_region = us-east-1\n# comment\n; comment\n\n"
        );
    }
    text
}

#[test]
fn two_halves_read_as_the_whole_file_at_every_cut() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config");
    let mut texts = vec![("tricky".to_owned(), tricky_config())];
    for entry in std::fs::read_dir(&dir).expect("the fixture directory") {
        let path = entry.expect("a fixture").path();
        let bytes = std::fs::read(&path).expect("a readable fixture");
        texts.push((
            path.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    let mut checked = 0;
    for (name, text) in &texts {
        // Lines that stand for bytes that were not UTF-8: every line of the file, so a line
        // at either side of any cut carries the warning.
        let every_line: Vec<usize> = (1..=text.lines().count() + 1).collect();
        for non_utf8_lines in [&[][..], &every_line[..]] {
            let whole = scan_whole(text, 1, non_utf8_lines);
            for cut in cuts(text) {
                let halves = scan_halves(text, cut, non_utf8_lines);
                assert_same(&halves, &whole, &format!("{name} cut at byte {cut}"));
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} cuts checked");
}

#[test]
fn a_large_file_is_cut_and_read_as_a_whole() {
    let mut text = String::from("\u{feff}");
    while text.len() < TWO_THREADS_FROM * 2 {
        text.push_str(&tricky_config());
    }
    let without_mark = text
        .strip_prefix('\u{feff}')
        .expect("the mark written above");
    let cut = cut_near_middle(without_mark).expect("a header after the middle");
    assert!(cut > without_mark.len() / 2 && without_mark[cut..].starts_with('['));
    let bad_lines = [3, 1_000, 20_000];
    let whole = scan_whole(without_mark, 1, &bad_lines);
    assert_same(&scan_and_read(&text, &bad_lines), &whole, "large file");
}

#[test]
fn a_file_without_a_header_after_its_middle_is_read_whole() {
    let mut text = String::from("[profile big]\n");
    while text.len() < TWO_THREADS_FROM * 2 {
        text.push_str("region = eu-west-1\n");
    }
    assert_eq!(cut_near_middle(&text), None);
    let read = scan_and_read(&text, &[]);
    assert_eq!(read.scan.sections.len(), 1);
    assert_eq!(
        read.entries[0].len(),
        read.scan.sections[0].line + text.lines().count() - 2
    );
}
