//! Handing credentials on to the person's shell and tools: the environment a [`Handoff`]
//! stands for, export lines per shell ([`export`]), the AWS `credential_process` JSON, running a
//! command with the credentials ([`exec`]) and a subshell ([`subshell`]).
//!
//! This module only receives finished [`Credentials`]; it never logs in, reads the cache or the
//! config, and never prints: it returns text and exit statuses, and the CLI owns stdout and exit
//! codes. Secret values leave it only through the rendered text or a child's environment, never
//! through `Debug`, errors or logs.

pub mod console;
pub mod exec;
pub mod export;
#[cfg(unix)]
mod signals;
pub mod subshell;

use std::process::Command;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::creds::{Credentials, Secret};

pub use exec::exit_code;
pub use export::Format;

/// Names of the variables runas sets; shared by every renderer and by the tests.
pub mod vars {
    pub const ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
    pub const SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
    pub const SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
    pub const CREDENTIAL_EXPIRATION: &str = "AWS_CREDENTIAL_EXPIRATION";
    pub const REGION: &str = "AWS_REGION";
    pub const DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
    pub const PROFILE: &str = "AWS_PROFILE";
    pub const DEFAULT_PROFILE: &str = "AWS_DEFAULT_PROFILE";
    /// The pre-2014 name of the session token, still read by boto2-era tools; a stale one left
    /// beside fresh keys would pair them with the wrong token.
    pub const LEGACY_SECURITY_TOKEN: &str = "AWS_SECURITY_TOKEN";
    /// Marks a shell that runas started, so a second one is not nested by accident.
    pub const RUNAS_PROFILE: &str = "RUNAS_PROFILE";
}

/// Everything handed on for one profile.
#[derive(Clone, Debug)]
pub struct Handoff {
    pub profile: String,
    pub region: Option<String>,
    pub credentials: Credentials,
}

/// One variable to set. The value is kept as a [`Secret`] whatever it holds, so `Debug` of an
/// [`Environment`] shows names only and no caller has to remember which values are sensitive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    pub name: &'static str,
    pub value: Secret,
}

/// The change a hand-off makes to an environment: variables to set, in a stable order, and
/// variables to remove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    pub set: Vec<Variable>,
    pub unset: Vec<&'static str>,
}

impl Environment {
    /// Applies the change to a child process's environment (inherited otherwise).
    pub fn apply_to(&self, command: &mut Command) {
        for name in &self.unset {
            command.env_remove(name);
        }
        for variable in &self.set {
            command.env(variable.name, variable.value.expose());
        }
    }

    /// The value set for `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.set
            .iter()
            .find(|variable| variable.name == name)
            .map(|variable| variable.value.expose())
    }
}

impl Handoff {
    /// The environment these credentials stand for.
    ///
    /// `AWS_PROFILE` is always removed: left set, it would make SDKs read that profile's
    /// region and settings, and tools that prefer a profile over the environment would ignore
    /// the keys. An empty credential value counts as absent and is removed rather than exported
    /// empty, because SDKs treat an empty `AWS_SESSION_TOKEN` differently from a missing one.
    /// A profile without a region leaves `AWS_REGION` alone: the person's own region is then the
    /// best guess, and unsetting it would make region-less SDK calls fail.
    pub fn environment(&self) -> Environment {
        let creds = &self.credentials;
        let mut set = Vec::with_capacity(7);
        let mut unset = vec![
            vars::PROFILE,
            vars::DEFAULT_PROFILE,
            vars::LEGACY_SECURITY_TOKEN,
        ];
        let credential_values = [
            (vars::ACCESS_KEY_ID, creds.access_key_id.as_str()),
            (vars::SECRET_ACCESS_KEY, creds.secret_access_key.expose()),
            (vars::SESSION_TOKEN, creds.session_token.expose()),
        ];
        for (name, value) in credential_values {
            if value.is_empty() {
                unset.push(name);
            } else {
                set.push(Variable {
                    name,
                    value: Secret::new(value),
                });
            }
        }
        set.push(Variable {
            name: vars::CREDENTIAL_EXPIRATION,
            value: Secret::new(rfc3339_utc(creds.expiration)),
        });
        set.extend(context_variables(&self.profile, self.region.as_deref()));
        Environment { set, unset }
    }
}

/// The variables that say which profile and region a child works in, whatever carries its
/// credentials (keys or the credentials endpoint). An empty or missing region sets none: the
/// person's own region is then the best guess.
pub fn context_variables(profile: &str, region: Option<&str>) -> Vec<Variable> {
    let mut set = Vec::with_capacity(3);
    if let Some(region) = region.filter(|region| !region.is_empty()) {
        for name in [vars::REGION, vars::DEFAULT_REGION] {
            set.push(Variable {
                name,
                value: Secret::new(region),
            });
        }
    }
    set.push(Variable {
        name: vars::RUNAS_PROFILE,
        value: Secret::new(profile),
    });
    set
}

/// RFC 3339 with whole seconds and a `Z`, the form the AWS SDKs and CLI parse.
pub fn rfc3339_utc(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The AWS `credential_process` output (version 1) for these credentials.
pub fn credential_process_json(credentials: &Credentials) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct CredentialProcessOutput<'a> {
        version: u8,
        access_key_id: &'a str,
        secret_access_key: &'a str,
        session_token: &'a str,
        expiration: String,
    }
    let output = CredentialProcessOutput {
        version: 1,
        access_key_id: &credentials.access_key_id,
        secret_access_key: credentials.secret_access_key.expose(),
        session_token: credentials.session_token.expose(),
        expiration: rfc3339_utc(credentials.expiration),
    };
    // A struct of strings and an integer has no map keys or floats that could fail to serialise.
    serde_json::to_string(&output).unwrap_or_default()
}

/// What can go wrong handing credentials on. Messages name programs and profiles, never values.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error("cannot run `{program}`: no such program (is it installed and on PATH?)")]
    ProgramNotFound { program: String },
    #[error("cannot run `{program}`: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("waiting for `{program}` failed: {source}")]
    Wait {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "already in a runas shell for profile `{current_profile}` (RUNAS_PROFILE is set); \
         exit that shell first, or force a nested shell (--force)"
    )]
    Nested { current_profile: String },
    #[error(
        "unknown export format `{0}` (expected sh, bash, zsh, fish, powershell, pwsh, json or dotenv)"
    )]
    UnknownFormat(String),
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    pub fn handoff(secret: &str, token: &str, region: Option<&str>) -> Handoff {
        Handoff {
            profile: "dev-admin".into(),
            region: region.map(str::to_owned),
            credentials: Credentials {
                access_key_id: "ASIAEXAMPLEKEY".into(),
                secret_access_key: Secret::new(secret),
                session_token: Secret::new(token),
                // 2033-05-18T03:33:20Z
                expiration: DateTime::from_timestamp(2_000_000_000, 0).unwrap(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::handoff;
    use super::*;

    #[test]
    fn environment_sets_credentials_region_and_profile_and_unsets_aws_profile() {
        let env = handoff("sek/ret+key", "tok==", Some("eu-west-1")).environment();
        let names: Vec<_> = env.set.iter().map(|v| v.name).collect();
        assert_eq!(
            names,
            [
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "AWS_CREDENTIAL_EXPIRATION",
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "RUNAS_PROFILE",
            ]
        );
        assert_eq!(env.get("AWS_SECRET_ACCESS_KEY"), Some("sek/ret+key"));
        assert_eq!(
            env.get("AWS_CREDENTIAL_EXPIRATION"),
            Some("2033-05-18T03:33:20Z")
        );
        assert_eq!(env.get("AWS_DEFAULT_REGION"), Some("eu-west-1"));
        assert_eq!(env.get("RUNAS_PROFILE"), Some("dev-admin"));
        assert_eq!(
            env.unset,
            ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"]
        );
    }

    #[test]
    fn absent_values_are_unset_not_exported_empty() {
        let env = handoff("s", "", None).environment();
        assert_eq!(env.get("AWS_SESSION_TOKEN"), None);
        assert!(env.unset.contains(&"AWS_SESSION_TOKEN"));
        assert_eq!(env.get("AWS_REGION"), None);
        assert!(!env.unset.contains(&"AWS_REGION"));
    }

    #[test]
    fn debug_of_handoff_and_environment_never_shows_secrets() {
        let handoff = handoff("very-secret-key", "very-secret-token", None);
        let shown = format!("{handoff:?} {:?}", handoff.environment());
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("AWS_SESSION_TOKEN"), "{shown}");
    }

    #[test]
    fn credential_process_json_has_the_aws_shape() {
        let creds = handoff("a\"b\\c", "tok", None).credentials;
        let json: serde_json::Value =
            serde_json::from_str(&credential_process_json(&creds)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "Version": 1,
                "AccessKeyId": "ASIAEXAMPLEKEY",
                "SecretAccessKey": "a\"b\\c",
                "SessionToken": "tok",
                "Expiration": "2033-05-18T03:33:20Z",
            })
        );
    }

    #[test]
    fn errors_name_the_profile_but_not_values() {
        let err = ShellError::Nested {
            current_profile: "prod".into(),
        };
        let message = err.to_string();
        assert!(message.contains("`prod`"), "{message}");
        assert!(message.contains("--force"), "{message}");
    }
}
