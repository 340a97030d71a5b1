//! A small ordered document tree and its two spellings: YAML (block style, for CloudFormation
//! templates a person reads and deploys) and JSON (through serde). Keys keep the order they are
//! written in, which `serde_json::Value` (a sorted map without `preserve_order`) would lose, and
//! the YAML writer is ours because the only YAML we ever write is this tree: no YAML crate.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A JSON-shaped value whose maps keep their insertion order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Str(String),
    Int(i64),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    pub fn str(text: impl Into<String>) -> Node {
        Node::Str(text.into())
    }

    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Node)>) -> Node {
        Node::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A one-element list collapses to its element, as IAM policies are usually written.
    pub fn one_or_many(mut items: Vec<Node>) -> Node {
        if items.len() == 1 {
            items.remove(0)
        } else {
            Node::List(items)
        }
    }

    /// The YAML text of this node as a top-level document, after `comments` as `#` lines.
    pub fn to_yaml(&self, comments: &[String]) -> String {
        let mut out = String::new();
        for comment in comments {
            for line in comment
                .lines()
                .flat_map(|line| wrapped(line, COMMENT_WIDTH))
            {
                out.push_str(if line.is_empty() { "#" } else { "# " });
                out.push_str(&line);
                out.push('\n');
            }
        }
        match self {
            Node::Map(entries) if !entries.is_empty() => write_map(&mut out, entries, 0),
            Node::List(items) if !items.is_empty() => write_list(&mut out, items, 0),
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
        out
    }
}

/// Comment lines are wrapped to this many characters so a template reads in a terminal.
const COMMENT_WIDTH: usize = 96;

/// `line` broken at spaces into pieces of at most `width` characters (a longer word stays whole).
fn wrapped(line: &str, width: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    for word in line.split(' ') {
        let current = pieces.last_mut().map_or(0, |piece| piece.chars().count());
        if current > 0 && current + 1 + word.chars().count() > width {
            pieces.push(String::new());
        }
        if let Some(piece) = pieces.last_mut() {
            if !piece.is_empty() {
                piece.push(' ');
            }
            piece.push_str(word);
        }
    }
    pieces
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n("  ", level));
}

fn write_map(out: &mut String, entries: &[(String, Node)], level: usize) {
    for (key, value) in entries {
        indent(out, level);
        out.push_str(&quoted_if_needed(key));
        out.push(':');
        write_value(out, value, level);
    }
}

fn write_list(out: &mut String, items: &[Node], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            // `- key: value` with the other keys aligned under the first.
            Node::Map(entries) if !entries.is_empty() => {
                let mut nested = String::new();
                write_map(&mut nested, entries, level + 1);
                out.push(' ');
                out.push_str(nested.trim_start());
            }
            other => write_value(out, other, level),
        }
    }
}

/// After `key:` or `-`: a scalar on the same line, a collection on the following lines.
fn write_value(out: &mut String, value: &Node, level: usize) {
    match value {
        Node::Map(entries) if !entries.is_empty() => {
            out.push('\n');
            write_map(out, entries, level + 1);
        }
        Node::List(items) if !items.is_empty() => {
            out.push('\n');
            write_list(out, items, level + 1);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn scalar(node: &Node) -> String {
    match node {
        Node::Str(text) => quoted_if_needed(text),
        Node::Int(value) => value.to_string(),
        Node::List(_) => "[]".to_owned(),
        Node::Map(_) => "{}".to_owned(),
    }
}

/// Plain when YAML would read the text back as the same string; otherwise a double-quoted
/// scalar, whose escapes are JSON's (YAML 1.2 double-quoted style is a superset of them).
fn quoted_if_needed(text: &str) -> String {
    let plain_chars = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':'));
    let starts_plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '/');
    // A colon followed by nothing else is fine in a plain scalar only when no space follows
    // it, which plain_chars guarantees; words YAML 1.1 reads as booleans or null are quoted.
    let keyword = matches!(
        text.to_ascii_lowercase().as_str(),
        "y" | "n" | "yes" | "no" | "true" | "false" | "on" | "off" | "null" | "~"
    );
    if plain_chars && starts_plain && !keyword && !text.ends_with(':') {
        text.to_owned()
    } else {
        // serde_json escapes exactly what a YAML double-quoted scalar needs escaped; a plain
        // String always serialises.
        serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Str(text) => serializer.serialize_str(text),
            Node::Int(value) => serializer.serialize_i64(*value),
            Node::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_nests_maps_and_lists_and_quotes_what_yaml_would_misread() {
        let doc = Node::map([
            ("Version", Node::str("2012-10-17")),
            ("Max", Node::Int(3600)),
            (
                "Statement",
                Node::List(vec![Node::map([
                    ("Effect", Node::str("Allow")),
                    ("Action", Node::List(vec![Node::str("sts:AssumeRole")])),
                    (
                        "Condition",
                        Node::map([(
                            "StringEquals",
                            Node::map([("idp.example/realms/x:aud", Node::str("yes"))]),
                        )]),
                    ),
                ])]),
            ),
        ]);
        let yaml = doc.to_yaml(&["a note".to_owned()]);
        assert_eq!(
            yaml,
            "# a note\nVersion: \"2012-10-17\"\nMax: 3600\nStatement:\n  - Effect: Allow\n    \
             Action:\n      - sts:AssumeRole\n    Condition:\n      StringEquals:\n        \
             idp.example/realms/x:aud: \"yes\"\n"
        );
    }

    #[test]
    fn long_comments_wrap_at_spaces() {
        assert_eq!(wrapped("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrapped("averylongword x", 4), vec!["averylongword", "x"]);
        assert_eq!(wrapped("", 4), vec![""]);
    }

    #[test]
    fn json_keeps_the_written_key_order() {
        let doc = Node::map([("b", Node::Int(1)), ("a", Node::str("x"))]);
        assert_eq!(
            serde_json::to_string(&doc).unwrap_or_default(),
            r#"{"b":1,"a":"x"}"#
        );
    }
}
