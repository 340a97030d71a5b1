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
}

pub fn status(config: &Path, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let session = open_session(config)?;
    let now = session.now();
    let rows: Vec<ProfileStatus> = session
        .config()
        .profiles
        .iter()
        .map(|profile| {
            let tokens = session.cached_tokens(profile);
            let credentials = session.store().credentials(&profile.name).ok().flatten();
            ProfileStatus {
                name: profile.name.clone(),
                kind: profile.kind.as_str(),
                id_token_subject: tokens
                    .as_ref()
                    .and_then(|t| t.email.clone().or_else(|| t.subject.clone())),
                id_token_expires_at: tokens.as_ref().map(|t| t.id_token_expires_at),
                refresh_token: tokens.as_ref().is_some_and(|t| t.refresh_token.is_some()),
                credentials_expire_at: credentials.as_ref().map(|c| c.credentials.expiration),
                credentials_fresh: credentials.as_ref().is_some_and(|c| c.is_fresh(now)),
                assumed_role_arn: credentials
                    .as_ref()
                    .and_then(|c| c.assumed_role_arn.clone()),
                session_name: credentials.as_ref().and_then(|c| c.session_name.clone()),
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
                    until(row.id_token_expires_at),
                    if row.refresh_token {
                        "yes".into()
                    } else {
                        "no".into()
                    },
                    until(row.credentials_expire_at),
                    row.assumed_role_arn.clone().unwrap_or_else(dash),
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
    Ok(ExitCode::SUCCESS)
}
