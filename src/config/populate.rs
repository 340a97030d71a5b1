//! The text of `runas sso populate`: profile names from a template (sanitised, made unique),
//! the `[profile …]` sections for discovered roles, and the one marked block they live in when
//! written to the config file. Text in, text out: everything outside the block is kept byte
//! for byte, and nothing here reads or writes a file (the CLI does, atomically).

use std::collections::HashSet;

/// The lines that open and close the block `--write` manages.
pub const BLOCK_BEGIN: &str = "# BEGIN runas sso populate (written by `runas sso populate --write`; edits inside may be replaced)";
pub const BLOCK_END: &str = "# END runas sso populate";
pub const DEFAULT_TEMPLATE: &str = "{account_name}.{role_name}";

/// One discovered role to write a profile for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleProfile {
    pub name: String,
    pub session: String,
    pub account_id: String,
    pub role_name: String,
    pub region: Option<String>,
}

impl RoleProfile {
    pub fn section(&self) -> String {
        let mut text = format!(
            "[profile {}]\nsso_session = {}\nsso_account_id = {}\nsso_role_name = {}\n",
            self.name, self.session, self.account_id, self.role_name
        );
        if let Some(region) = &self.region {
            text.push_str(&format!("region = {region}\n"));
        }
        text
    }
}

/// The template filled in: `{session}`, `{account_name}`, `{account_id}`, `{role_name}`.
pub fn fill(
    template: &str,
    session: &str,
    account_name: &str,
    account_id: &str,
    role: &str,
) -> String {
    template
        .replace("{session}", session)
        .replace("{account_name}", account_name)
        .replace("{account_id}", account_id)
        .replace("{role_name}", role)
}

/// A name the AWS CLI and a shell both take: letters, digits and `._-+@=,`; anything else
/// becomes `-`, runs of `-` shrink to one, and none lead or trail.
pub fn sanitise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || "._-+@=,".contains(c) {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "role".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `wanted` if free, else with the account id, else with a counter; the result is taken.
pub fn unique(wanted: &str, account_id: &str, taken: &mut HashSet<String>) -> String {
    let mut candidates = vec![wanted.to_owned(), format!("{wanted}-{account_id}")];
    candidates.extend(
        (2..)
            .take(1000)
            .map(|n| format!("{wanted}-{account_id}-{n}")),
    );
    for candidate in candidates {
        if !taken.contains(&candidate) {
            taken.insert(candidate.clone());
            return candidate;
        }
    }
    // A thousand clashes on one name cannot come from one discovery; keep the last try.
    format!("{wanted}-{account_id}-x")
}

/// (sso-session, account id, role name): what a section stands for.
pub type Target = (String, String, String);

/// The managed block of `text`: its byte range (whole lines, end marker included) and its
/// sections as written, each with the (session, account id, role) it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub range: std::ops::Range<usize>,
    pub sections: Vec<(String, Option<Target>)>,
}

pub fn find_block(text: &str) -> Option<Block> {
    let begin = line_start_of(text, BLOCK_BEGIN)?;
    let after_begin = begin
        + text[begin..]
            .find('\n')
            .map_or(text.len() - begin, |n| n + 1);
    let end_line = after_begin + line_start_of(&text[after_begin..], BLOCK_END)?;
    let end = end_line
        + text[end_line..]
            .find('\n')
            .map_or(text.len() - end_line, |n| n + 1);
    let inner = &text[after_begin..end_line];
    let mut sections: Vec<String> = Vec::new();
    for line in inner.split_inclusive('\n') {
        if line.trim_start().starts_with('[') || sections.is_empty() {
            sections.push(String::new());
        }
        if let Some(last) = sections.last_mut() {
            last.push_str(line);
        }
    }
    let sections = sections
        .into_iter()
        .filter(|section| !section.trim().is_empty())
        .map(|section| {
            let key = target_of(&section);
            (section, key)
        })
        .collect();
    Some(Block {
        range: begin..end,
        sections,
    })
}

/// The start of the line that is exactly `marker` (trailing whitespace aside).
fn line_start_of(text: &str, marker: &str) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == marker {
            return Some(at);
        }
        at += line.len();
    }
    None
}

fn target_of(section: &str) -> Option<Target> {
    let value = |key: &str| {
        section.lines().find_map(|line| {
            let (k, v) = line.split_once('=')?;
            (k.trim().eq_ignore_ascii_case(key)).then(|| v.trim().to_owned())
        })
    };
    Some((
        value("sso_session")?,
        value("sso_account_id")?,
        value("sso_role_name")?,
    ))
}

/// `text` with the block holding `sections` (each ending in a blank line): in place of the
/// old block, else appended after one blank line. With no sections the block goes away.
pub fn with_block(text: &str, sections: &[String]) -> String {
    let mut block = String::new();
    if !sections.is_empty() {
        block.push_str(BLOCK_BEGIN);
        block.push('\n');
        for section in sections {
            block.push_str(section);
            if !section.ends_with("\n\n") {
                block.push('\n');
            }
        }
        block.push_str(BLOCK_END);
        block.push('\n');
    }
    match find_block(text) {
        Some(old) => format!(
            "{}{block}{}",
            &text[..old.range.start],
            &text[old.range.end..]
        ),
        None if block.is_empty() => text.to_owned(),
        None => {
            let mut out = text.to_owned();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(&block);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitised_and_unique() {
        assert_eq!(
            sanitise("My Account (prod).Admin/x"),
            "My-Account-prod-.Admin-x"
        );
        assert_eq!(sanitise("[]"), "role");
        let mut taken = HashSet::from(["prod.Admin".to_owned()]);
        assert_eq!(unique("prod.Admin", "111", &mut taken), "prod.Admin-111");
        assert_eq!(unique("prod.Admin", "111", &mut taken), "prod.Admin-111-2");
        assert_eq!(unique("dev.Admin", "222", &mut taken), "dev.Admin");
        assert_eq!(
            fill(DEFAULT_TEMPLATE, "corp", "prod", "111", "Admin"),
            "prod.Admin"
        );
    }

    #[test]
    fn the_block_is_appended_then_replaced_in_place_and_the_rest_kept() {
        let original = "# mine\n[profile a]  \nregion=eu-west-1 ; odd\n";
        let section = RoleProfile {
            name: "prod.Admin".into(),
            session: "corp".into(),
            account_id: "111".into(),
            role_name: "Admin".into(),
            region: Some("us-east-1".into()),
        }
        .section();
        let once = with_block(original, std::slice::from_ref(&section));
        assert!(once.starts_with(original), "{once}");
        let block = find_block(&once).unwrap();
        assert_eq!(
            block.sections[0].1,
            Some(("corp".into(), "111".into(), "Admin".into()))
        );
        let kept: Vec<String> = block.sections.iter().map(|(s, _)| s.clone()).collect();
        assert_eq!(with_block(&once, &kept), once);
        let trailing = format!("{once}[profile z]\nregion = x\n");
        assert_eq!(
            with_block(&trailing, &[]),
            format!("{original}\n[profile z]\nregion = x\n")
        );
    }
}
