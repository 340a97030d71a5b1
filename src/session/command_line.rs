//! A `credential_process` command line split into a program and its arguments the way the
//! AWS CLI splits it on Linux and macOS (Python's `shlex.split` in POSIX mode): whitespace
//! separates words, single quotes keep everything, double quotes keep everything but let a
//! backslash escape `"` and `\`, a backslash outside quotes escapes any character, and `#`
//! is an ordinary character. No shell ever sees the line, so `$VAR`, globs and pipes stay as
//! written. It only splits; running the command is `process`'s job.

/// Why a command line cannot be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("it has an opening {0} quote without its closing one")]
    UnclosedQuote(char),
    #[error("it ends with a backslash that escapes nothing")]
    TrailingBackslash,
    #[error("it is empty")]
    Empty,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between words.
    Between,
    InWord,
    InSingleQuotes,
    InDoubleQuotes,
}

/// The words of `line`; the first is the program.
pub fn split(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut state = State::Between;
    let mut chars = line.chars();
    while let Some(ch) = chars.next() {
        match state {
            State::Between | State::InWord => match ch {
                ch if ch.is_whitespace() => {
                    if state == State::InWord {
                        words.push(std::mem::take(&mut word));
                    }
                    state = State::Between;
                }
                '\'' => state = State::InSingleQuotes,
                '"' => state = State::InDoubleQuotes,
                '\\' => {
                    word.push(chars.next().ok_or(SplitError::TrailingBackslash)?);
                    state = State::InWord;
                }
                other => {
                    word.push(other);
                    state = State::InWord;
                }
            },
            State::InSingleQuotes => match ch {
                '\'' => state = State::InWord,
                other => word.push(other),
            },
            State::InDoubleQuotes => match ch {
                '"' => state = State::InWord,
                '\\' => match chars.next() {
                    Some(escaped @ ('"' | '\\')) => word.push(escaped),
                    Some(other) => {
                        word.push('\\');
                        word.push(other);
                    }
                    None => return Err(SplitError::UnclosedQuote('"')),
                },
                other => word.push(other),
            },
        }
    }
    match state {
        State::InSingleQuotes => return Err(SplitError::UnclosedQuote('\'')),
        State::InDoubleQuotes => return Err(SplitError::UnclosedQuote('"')),
        State::InWord => words.push(word),
        State::Between => {}
    }
    if words.is_empty() {
        return Err(SplitError::Empty);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split(line).unwrap()
    }

    #[test]
    fn words_split_as_python_shlex_splits_them() {
        assert_eq!(
            words("runas  credential-process\tci-root"),
            ["runas", "credential-process", "ci-root"]
        );
        assert_eq!(
            words(r#"/opt/my tool/x "a b" 'c d' e\ f"#),
            ["/opt/my", "tool/x", "a b", "c d", "e f"]
        );
        assert_eq!(
            words(r#""say \"hi\" \n" 'no \escape'"#),
            [r#"say "hi" \n"#, r"no \escape"]
        );
        assert_eq!(
            words(r"a\\b a''b x#y $HOME"),
            [r"a\b", "ab", "x#y", "$HOME"]
        );
        assert_eq!(words(r#"''"#), [""]);
    }

    #[test]
    fn broken_lines_are_errors() {
        assert_eq!(split("a 'b"), Err(SplitError::UnclosedQuote('\'')));
        assert_eq!(split("a \"b"), Err(SplitError::UnclosedQuote('"')));
        assert_eq!(split("a b\\"), Err(SplitError::TrailingBackslash));
        assert_eq!(split("   "), Err(SplitError::Empty));
    }
}
