//! `runas status` and `runas logout`: what is cached for each profile (never a secret), and
//! forgetting it.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::args::{LogoutArgs, StatusArgs};
use super::credentials::human_duration;
use super::output::{print_stdout, table};
use super::session_io::open_session;
use crate::cache::provider_metadata::ProviderMetadataCache;
use crate::config::ProfileKind;

#[derive(Debug, Serialize)]
struct ProfileStatus {
    name: String,
    kind: &'static str,
    id_token_subject: Option<String>,
    id_token_expires_at: Option<DateTime<Utc>>,
    refresh_token: bool,
    credentials_expire_at: Option<DateTime<Utc>>,
    credentials_fresh: bool,
    assumed_role_arn: Option<String>,
    session_name: Option<String>,
    /// The role the credentials are for, where the role session has no ARN of its own
    /// (IAM Identity Center).
    #[serde(skip_serializing_if = "Option::is_none")]
    role_arn: Option<String>,
    /// IAM Identity Center profiles: the shared AWS CLI token's expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    sso_token_expires_at: Option<DateTime<Utc>>,
    /// The cached credentials carry the Identity Center user (trusted identity propagation).
    identity_enhanced: bool,
}

pub fn status(config: &Path, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let session = open_session(config)?;
    let now = session.now();
    // One read of each cache directory for every profile, not two file opens per profile.
    let mut cached = session.cached_entries();
    let rows: Vec<ProfileStatus> = session
        .config()
        .profiles
        .iter()
        .map(|profile| {
            let tokens = cached.tokens(profile);
            let sso_token = session.cached_sso_token(profile);
            let credentials = cached.take_credentials(profile);
            ProfileStatus {
                name: profile.name.clone(),
                kind: profile.kind.as_str(),
                id_token_subject: tokens
                    .as_ref()
                    .and_then(|t| t.email.clone().or_else(|| t.subject.clone())),
                id_token_expires_at: tokens.as_ref().map(|t| t.id_token_expires_at),
                refresh_token: tokens.as_ref().is_some_and(|t| t.refresh_token.is_some())
                    || sso_token.as_ref().is_some_and(|t| t.refresh_token),
                credentials_expire_at: credentials.as_ref().map(|c| c.credentials.expiration),
                credentials_fresh: credentials.as_ref().is_some_and(|c| c.is_fresh(now)),
                identity_enhanced: credentials.as_ref().is_some_and(|c| c.identity_enhanced),
                assumed_role_arn: credentials
                    .as_ref()
                    .and_then(|c| c.assumed_role_arn.clone()),
                session_name: credentials.as_ref().and_then(|c| c.session_name.clone()),
                sso_token_expires_at: sso_token.map(|t| t.expires_at),
                role_arn: credentials
                    .as_ref()
                    .filter(|c| c.assumed_role_arn.is_none())
                    .and_then(|c| c.role_arn.clone()),
            }
        })
        .collect();
    let text = if args.json {
        format!(
            "{}\n",
            serde_json::to_string_pretty(&rows).context("cannot encode the status")?
        )
    } else {
        let dash = || "-".to_string();
        let until = |at: Option<DateTime<Utc>>| match at {
            Some(at) if at > now => format!("{} left", human_duration(at - now)),
            Some(_) => "expired".to_string(),
            None => dash(),
        };
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                vec![
                    row.name.clone(),
                    row.id_token_subject.clone().unwrap_or_else(dash),
                    until(row.id_token_expires_at.or(row.sso_token_expires_at)),
                    if row.refresh_token {
                        "yes".into()
                    } else {
                        "no".into()
                    },
                    until(row.credentials_expire_at),
                    row.assumed_role_arn
                        .clone()
                        .or_else(|| row.role_arn.clone())
                        .unwrap_or_else(dash),
                ]
            })
            .collect();
        table(
            &[
                "PROFILE",
                "IDENTITY",
                "ID TOKEN",
                "REFRESH",
                "CREDENTIALS",
                "ROLE SESSION",
            ],
            &cells,
        )
    };
    print_stdout(&text).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

pub fn logout(config: &Path, args: &LogoutArgs) -> anyhow::Result<ExitCode> {
    let session = open_session(config)?;
    if args.all {
        let removed = session.store().clear().context("cannot clear the cache")?;
        eprintln!("runas: removed {removed} cached token, credential and grant files");
        // Discovery documents are no secret, but "forget everything" should also mean "ask the
        // IdP afresh next time".
        ProviderMetadataCache::new(session.store().dir())
            .clear()
            .context("cannot clear the cached discovery documents")?;
        let sso_profiles = session
            .config()
            .profiles
            .iter()
            .filter(|profile| profile.kind == ProfileKind::Sso)
            .map(|profile| profile.name.clone());
        let mut shared = Vec::new();
        for name in sso_profiles {
            if let Some(token) = session
                .profile(&name)
                .ok()
                .and_then(|profile| session.cached_sso_token(profile))
                && !shared.contains(&token.path)
            {
                if args.sso_token {
                    session.forget_sso_token(&name)?;
                }
                shared.push(token.path);
            }
        }
        if !shared.is_empty() {
            eprintln!("runas: {}", sso_token_words(args.sso_token, shared.len()));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(profile) = args.profile.as_deref() else {
        anyhow::bail!("name a profile, or --all to forget every cached login");
    };
    let forgotten = session.forget(profile)?;
    eprintln!(
        "runas: {profile}: {}",
        match (forgotten.credentials, forgotten.tokens) {
            (false, false) => "nothing was cached",
            (true, false) => "forgot the role credentials",
            (false, true) => "forgot the IdP login (shared by every profile of the same IdP app)",
            (true, true) =>
                "forgot the role credentials and the IdP login (shared by every profile of the same IdP app)",
        }
    );
    if forgotten.grants > 0 {
        eprintln!(
            "runas: {profile}: forgot {} S3 Access Grants credential{}",
            forgotten.grants,
            if forgotten.grants == 1 { "" } else { "s" }
        );
    }
    if session.profile(profile)?.kind == ProfileKind::Sso {
        let removed = args.sso_token && session.forget_sso_token(profile)?;
        let message = match (args.sso_token, removed) {
            (true, true) => "removed the IAM Identity Center token from ~/.aws/sso/cache \
                 (the AWS CLI is logged out of this sso-session too)"
                .to_owned(),
            (true, false) => "no IAM Identity Center token was cached".to_owned(),
            (false, _) => format!(
                "the IAM Identity Center token shared with the AWS CLI (~/.aws/sso/cache) is \
                 kept; `runas logout {profile} --sso-token` removes it"
            ),
        };
        eprintln!("runas: {profile}: {message}");
    } else if args.sso_token {
        eprintln!(
            "runas: {profile}: not an IAM Identity Center profile; --sso-token has nothing to remove"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn sso_token_words(removed: bool, count: usize) -> String {
    let tokens = if count == 1 { "token" } else { "tokens" };
    if removed {
        format!(
            "removed {count} IAM Identity Center {tokens} from ~/.aws/sso/cache (the AWS CLI is logged out of them too)"
        )
    } else {
        format!(
            "kept {count} IAM Identity Center {tokens} shared with the AWS CLI (~/.aws/sso/cache); \
             add --sso-token to remove them"
        )
    }
}
