//! Running a `credential_process` the way the AWS CLI runs it: the command line split without
//! a shell, stdin closed, stderr passed through to the person's terminal, stdout read as the
//! `Version: 1` JSON document, a deadline, and errors that name the profile and the exit
//! status but never repeat what the command printed on stdout (it carries secrets). It knows
//! nothing about profiles beyond the name it reports.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::command_line::{self, SplitError};
use crate::creds::{Credentials, Secret};

/// How long a command may run. It may be a login that waits for a person in a browser, as a
/// runas login does, so the deadline is that of a browser login.
pub const TIMEOUT: Duration = Duration::from_secs(300);

/// The variable through which runas tells the runas processes a `credential_process` starts
/// which profiles are already being resolved, so that a command that runs runas for the same
/// profile again fails at once instead of starting runas after runas forever.
pub const CHAIN_VARIABLE: &str = "RUNAS_CREDENTIAL_PROCESS_CHAIN";

/// Where the command's stderr goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stderr {
    /// runas's own stderr, the person's terminal: what the AWS CLI does.
    Terminal,
    /// Read by runas; the last lines of a failed command are quoted in its error.
    Captured,
}

/// How much of a failed command's captured stderr its error quotes.
const QUOTED_STDERR_LINES: usize = 3;

/// Why a `credential_process` gave no credentials.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("its credential_process cannot be split into a command: {0}")]
    Split(#[from] SplitError),
    #[error("its credential_process {program} cannot be started: {source}")]
    Start {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("its credential_process {program} failed: {status}{said}")]
    Failed {
        program: String,
        status: String,
        /// `(its messages are above)`, or the last lines of its captured stderr.
        said: String,
    },
    #[error(
        "its credential_process {program} did not finish within {} seconds and was stopped",
        .timeout.as_secs()
    )]
    TimedOut { program: String, timeout: Duration },
    #[error("its credential_process {program} printed no usable credentials: {reason}")]
    Output { program: String, reason: String },
    #[error(
        "runas is already resolving profile {profile} (chain {chain}) and a credential_process \
         of that chain started runas for it again, which would loop forever; give the chain a \
         root that does not lead back to {profile}"
    )]
    Loop { profile: String, chain: String },
}

/// The `credential_process` output document (`Version` 1), as the AWS CLI reads it.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Document {
    version: Option<serde_json::Value>,
    access_key_id: Option<String>,
    secret_access_key: Option<Secret>,
    session_token: Option<Secret>,
    expiration: Option<String>,
}

/// Runs `command` with `extra_env` added to runas's own environment, and reads its output.
/// Credentials without an `Expiration` are long-term; they are given `now + 1 hour` so that
/// they are signed with, never cached.
pub async fn run(
    command: &str,
    extra_env: &HashMap<String, String>,
    stderr: Stderr,
    timeout: Duration,
    now: DateTime<Utc>,
) -> Result<Credentials, ProcessError> {
    let words = command_line::split(command)?;
    let program = words[0].clone();
    let mut child = tokio::process::Command::new(&program)
        .args(&words[1..])
        .envs(extra_env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(match stderr {
            Stderr::Terminal => Stdio::inherit(),
            Stderr::Captured => Stdio::piped(),
        })
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| ProcessError::Start {
            program: program.clone(),
            source,
        })?;
    let output = match tokio::time::timeout(timeout, child_output(&mut child)).await {
        Ok(output) => output.map_err(|source| ProcessError::Start {
            program: program.clone(),
            source,
        })?,
        Err(_elapsed) => return Err(ProcessError::TimedOut { program, timeout }),
    };
    let (status, stdout, said) = output;
    if !status.success() {
        let said = match stderr {
            Stderr::Terminal => " (its messages are above)".to_string(),
            Stderr::Captured => last_lines(&said),
        };
        return Err(ProcessError::Failed {
            program,
            status: describe_status(status),
            said,
        });
    }
    parse_output(&stdout, now).map_err(|reason| ProcessError::Output { program, reason })
}

/// The exit status, stdout and (when captured) stderr, both pipes read at once so neither
/// can fill up and stall the command.
async fn child_output(
    child: &mut tokio::process::Child,
) -> std::io::Result<(std::process::ExitStatus, Vec<u8>, Vec<u8>)> {
    use tokio::io::AsyncReadExt;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let (out_pipe, err_pipe) = (child.stdout.take(), child.stderr.take());
    let read_out = async {
        match out_pipe {
            Some(mut pipe) => pipe.read_to_end(&mut stdout).await.map(drop),
            None => Ok(()),
        }
    };
    let read_err = async {
        match err_pipe {
            Some(mut pipe) => pipe.read_to_end(&mut stderr).await.map(drop),
            None => Ok(()),
        }
    };
    let (out_read, err_read) = tokio::join!(read_out, read_err);
    out_read?;
    err_read?;
    Ok((child.wait().await?, stdout, stderr))
}

/// `: LINE; LINE` from the last non-empty lines a command wrote on stderr, or nothing.
fn last_lines(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let start = lines.len().saturating_sub(QUOTED_STDERR_LINES);
    match lines[start..].join("; ") {
        quoted if quoted.is_empty() => String::new(),
        quoted => format!(": {quoted}"),
    }
}

fn describe_status(status: std::process::ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => format!("{status}"),
    }
}

/// The credentials of a `Version: 1` document. The reasons name fields, never their values.
pub fn parse_output(stdout: &[u8], now: DateTime<Utc>) -> Result<Credentials, String> {
    let document: Document = serde_json::from_slice(stdout).map_err(|error| {
        format!(
            "its output is not a JSON object with string fields (error at line {} column {})",
            error.line(),
            error.column()
        )
    })?;
    match document.version {
        Some(serde_json::Value::Number(version)) if version.as_u64() == Some(1) => {}
        Some(_) => return Err("its Version is not 1, the only version there is".to_string()),
        None => return Err("its output has no Version (expected 1)".to_string()),
    }
    let access_key_id = document
        .access_key_id
        .filter(|id| !id.is_empty())
        .ok_or("its output has no AccessKeyId")?;
    let secret_access_key = document
        .secret_access_key
        .filter(|secret| !secret.expose().is_empty())
        .ok_or("its output has no SecretAccessKey")?;
    let expiration = match document.expiration {
        Some(text) => DateTime::parse_from_rfc3339(&text)
            .map_err(|_| "its Expiration is not an RFC 3339 time".to_string())?
            .with_timezone(&Utc),
        None => now + chrono::Duration::hours(1),
    };
    Ok(Credentials {
        access_key_id,
        secret_access_key,
        session_token: document.session_token.unwrap_or_else(|| Secret::new("")),
        expiration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_version_1_document_is_read() {
        let credentials = parse_output(
            br#"{"Version": 1, "AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "s3cr3t",
                 "SessionToken": "tok", "Expiration": "2026-01-01T01:00:00Z"}"#,
            now(),
        )
        .unwrap();
        assert_eq!(credentials.access_key_id, "AKIDEXAMPLE");
        assert_eq!(credentials.secret_access_key.expose(), "s3cr3t");
        assert_eq!(credentials.session_token.expose(), "tok");
        assert_eq!(credentials.expiration, now() + chrono::Duration::hours(1));
    }

    #[test]
    fn long_term_keys_have_no_token_and_a_signing_hour() {
        let credentials = parse_output(
            br#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s"}"#,
            now(),
        )
        .unwrap();
        assert_eq!(credentials.session_token.expose(), "");
        assert_eq!(credentials.expiration, now() + chrono::Duration::hours(1));
    }

    #[test]
    fn bad_documents_are_named_without_their_secrets() {
        let cases: [(&[u8], &str); 5] = [
            (b"not json hunter2", "not a JSON object"),
            (br#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "hunter2"}"#, "Version is not 1"),
            (br#"{"AccessKeyId": "A", "SecretAccessKey": "hunter2"}"#, "no Version"),
            (br#"{"Version": 1, "SecretAccessKey": "hunter2"}"#, "no AccessKeyId"),
            (br#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "hunter2", "Expiration": "soon"}"#, "Expiration"),
        ];
        for (stdout, expected) in cases {
            let reason = parse_output(stdout, now()).unwrap_err();
            assert!(reason.contains(expected), "{reason}");
            assert!(!reason.contains("hunter2"), "{reason}");
        }
    }

    #[test]
    fn a_failed_commands_last_stderr_lines_are_quoted() {
        assert_eq!(
            last_lines(b"one\n\ntwo\nthree\nfour\n"),
            ": two; three; four"
        );
        assert_eq!(last_lines(b"  \n"), "");
    }
}
