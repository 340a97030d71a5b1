//! The root of a `source_profile` chain: the credentials the first `AssumeRole` is signed
//! with. A root is long-term keys written in the config or credentials file, a
//! `credential_process` run as the AWS CLI runs it, or another profile runas obtains itself
//! (web identity, token file, IAM Identity Center, or a chain of its own). Keys and process
//! output are used for that one call and never cached: only the assumed role's credentials
//! are.

use std::collections::HashMap;

use tokio::sync::mpsc::UnboundedSender;

use super::process::{self, CHAIN_VARIABLE};
use super::{Session, SessionError, SessionEvent, SessionOptions};
use crate::cache::store::CredentialEntry;
use crate::config::{Profile, ProfileKind};
use crate::creds::{Credentials, Secret};

impl Session {
    /// The credentials `profile`'s `source_profile` gives, to assume `profile`'s role with.
    pub(super) async fn source_credentials(
        &self,
        profile: &Profile,
        options: &SessionOptions,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<CredentialEntry, SessionError> {
        let source_name = profile.source_profile.as_deref().unwrap_or_default();
        // `source_profile` naming the profile itself is the AWS CLI's "assume my role with
        // my own keys"; following it would ask for this very profile again.
        let source = if source_name == profile.name {
            profile
        } else {
            self.profile(source_name)?
        };
        if !source.errors.is_empty() {
            return Err(SessionError::InvalidProfile {
                name: source.name.clone(),
                issues: source.errors.iter().map(ToString::to_string).collect(),
            });
        }
        let static_keys = source.kind == ProfileKind::Static || source.name == profile.name;
        if static_keys {
            return self.static_root(source);
        }
        match (source.kind, &source.credential_process) {
            (ProfileKind::Process, Some(command)) => {
                self.process_root(profile, source, command).await
            }
            _ => Ok(Box::pin(self.credentials(source_name, options, events))
                .await?
                .entry),
        }
    }

    /// Long-term keys written in the file (a session token too, when one is written).
    fn static_root(&self, source: &Profile) -> Result<CredentialEntry, SessionError> {
        let value = |key: &str| source.get(key).map(|entry| entry.value.clone());
        let (Some(access_key_id), Some(secret)) =
            (value("aws_access_key_id"), value("aws_secret_access_key"))
        else {
            return Err(SessionError::Unsupported {
                name: source.name.clone(),
                reason: "has no aws_access_key_id and aws_secret_access_key to assume a role with"
                    .to_owned(),
            });
        };
        let credentials = Credentials {
            access_key_id,
            secret_access_key: Secret::new(secret),
            session_token: Secret::new(value("aws_session_token").unwrap_or_default()),
            // Long-term keys do not expire; the hour only tells the signer they are valid now.
            expiration: self.now() + chrono::Duration::hours(1),
        };
        Ok(self.root_entry(source, credentials))
    }

    /// The output of `source`'s `credential_process`, run for `profile`'s chain.
    async fn process_root(
        &self,
        profile: &Profile,
        source: &Profile,
        command: &str,
    ) -> Result<CredentialEntry, SessionError> {
        let process_error = |source_error| SessionError::CredentialProcess {
            name: source.name.clone(),
            source: source_error,
        };
        self.refuse_loop(&profile.name)?;
        let chain = (self.env)(CHAIN_VARIABLE).unwrap_or_default();
        let extended = match chain.is_empty() {
            true => profile.name.clone(),
            false => format!("{chain},{}", profile.name),
        };
        let extra_env = HashMap::from([(CHAIN_VARIABLE.to_owned(), extended)]);
        let credentials = process::run(
            command,
            &extra_env,
            self.process_stderr,
            process::TIMEOUT,
            self.now(),
        )
        .await
        .map_err(process_error)?;
        Ok(self.root_entry(source, credentials))
    }

    /// Fails when a `credential_process` that runas started while resolving `name` has
    /// started runas for `name` again: waiting for the outer run's lock, or running the same
    /// process again, would never end.
    pub(super) fn refuse_loop(&self, name: &str) -> Result<(), SessionError> {
        let chain = (self.env)(CHAIN_VARIABLE).unwrap_or_default();
        if chain.split(',').any(|resolving| resolving == name) {
            return Err(SessionError::CredentialProcess {
                name: name.to_owned(),
                source: process::ProcessError::Loop {
                    profile: name.to_owned(),
                    chain,
                },
            });
        }
        Ok(())
    }

    fn root_entry(&self, source: &Profile, credentials: Credentials) -> CredentialEntry {
        CredentialEntry {
            profile: source.name.clone(),
            credentials,
            obtained_at: self.now(),
            role_arn: None,
            assumed_role_arn: None,
            session_name: None,
            identity_enhanced: false,
            definition: None,
        }
    }
}
