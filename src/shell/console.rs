//! Opening a console sign-in URL for a person: `$RUNAS_CONSOLE_BROWSER`, a command template
//! with `{url}` and `{profile}` (so each role can open in its own browser profile or
//! container), else the login browser (`$BROWSER`, else the system opener). The template is
//! split into words first (shell quoting rules, no shell is run) and only then are the
//! placeholders replaced, so nothing in a URL or profile name can become a second word or a
//! command. The URL is a credential: no error or log line here carries it.

use std::process::{Command, Stdio};

use crate::creds::Secret;
use crate::idp::flow::{BrowserOpener, SystemBrowser};

/// The variable holding the console browser template.
pub const ENV_CONSOLE_BROWSER: &str = "RUNAS_CONSOLE_BROWSER";

#[derive(Debug, thiserror::Error)]
pub enum ConsoleOpenError {
    #[error("{ENV_CONSOLE_BROWSER} cannot be split into words (an unclosed quote?)")]
    BadTemplate,
    #[error("{ENV_CONSOLE_BROWSER} names no program")]
    EmptyTemplate,
    #[error(
        "{ENV_CONSOLE_BROWSER}: the program itself cannot be {{url}}; pass the URL as an argument"
    )]
    UrlAsProgram,
    #[error("cannot start {program} (from {ENV_CONSOLE_BROWSER}): {reason}")]
    Spawn { program: String, reason: String },
    #[error("no browser opened: {0}")]
    Browser(String),
}

/// Opens `url` for `profile` with the template when one is set (`Some`, non-empty), else with
/// the login browser. Returns once the program started; never waits for it.
pub fn open(url: &Secret, profile: &str, template: Option<&str>) -> Result<(), ConsoleOpenError> {
    match template.map(str::trim).filter(|t| !t.is_empty()) {
        Some(template) => {
            let (program, args) = command_words(template, url.expose(), profile)?;
            spawn_detached(&program, &args)
        }
        None => {
            let parsed = openidconnect::url::Url::parse(url.expose())
                .map_err(|_| ConsoleOpenError::Browser("the sign-in URL is malformed".into()))?;
            SystemBrowser
                .open(&parsed)
                .map_err(ConsoleOpenError::Browser)
        }
    }
}

/// The program and arguments of `template` with the placeholders replaced; the URL is
/// appended when no word asks for it.
fn command_words(
    template: &str,
    url: &str,
    profile: &str,
) -> Result<(String, Vec<String>), ConsoleOpenError> {
    let words = shlex::split(template).ok_or(ConsoleOpenError::BadTemplate)?;
    let (program, rest) = words
        .split_first()
        .filter(|(program, _)| !program.is_empty())
        .ok_or(ConsoleOpenError::EmptyTemplate)?;
    if program.contains("{url}") {
        return Err(ConsoleOpenError::UrlAsProgram);
    }
    let fill = |word: &str| word.replace("{profile}", profile).replace("{url}", url);
    let mut args: Vec<String> = rest.iter().map(|word| fill(word)).collect();
    if !rest.iter().any(|word| word.contains("{url}")) {
        args.push(url.to_owned());
    }
    Ok((program.replace("{profile}", profile), args))
}

fn spawn_detached(program: &str, args: &[String]) -> Result<(), ConsoleOpenError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|error| ConsoleOpenError::Spawn {
            program: program.to_owned(),
            reason: error.to_string(),
        })?;
    // Reaped when it exits, so a launcher that returns at once leaves no zombie; nobody waits
    // for its status.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://signin.aws.amazon.com/federation?Action=login&SigninToken=T";

    fn words(template: &str, profile: &str) -> (String, Vec<String>) {
        command_words(template, URL, profile).unwrap()
    }

    #[test]
    fn placeholders_fill_words_after_splitting() {
        assert_eq!(
            words("firefox -P {profile} --new-tab {url}", "dev-admin"),
            (
                "firefox".into(),
                vec![
                    "-P".into(),
                    "dev-admin".into(),
                    "--new-tab".into(),
                    URL.into()
                ]
            )
        );
        // A profile name with a space or a quote stays one word.
        assert_eq!(
            words("'/Applications/Fire Fox' --container={profile}", "a b'c"),
            (
                "/Applications/Fire Fox".into(),
                vec!["--container=a b'c".into(), URL.into()]
            )
        );
        // `ext+container:` style: the URL inside a word.
        assert_eq!(
            words("firefox 'ext+container:name={profile}&url={url}'", "p").1,
            vec![format!("ext+container:name=p&url={URL}")]
        );
    }

    #[test]
    fn bad_templates_are_refused_without_showing_the_url() {
        for (template, wanted) in [
            ("firefox 'unclosed", "unclosed quote"),
            ("{url}", "cannot be {url}"),
        ] {
            let error = command_words(template, URL, "p").unwrap_err().to_string();
            assert!(error.contains(wanted), "{error}");
            assert!(!error.contains("SigninToken"), "{error}");
        }
        assert!(matches!(
            command_words("''", URL, "p"),
            Err(ConsoleOpenError::EmptyTemplate)
        ));
    }

    #[test]
    fn a_missing_program_is_named_and_the_url_is_not() {
        let error = open(
            &Secret::new(URL),
            "p",
            Some("/nonexistent/runas-console-browser {url}"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("/nonexistent/runas-console-browser"),
            "{error}"
        );
        assert!(!error.contains("SigninToken"), "{error}");
    }
}
