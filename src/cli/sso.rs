//! `runas sso list` (the accounts and roles each sso-session reaches, from IAM Identity Center
//! discovery; never a secret) and `runas login SESSION` (an sso-session's own login). A
//! session without a live token is an error naming `runas login SESSION`; nothing is written.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use super::args::{LoginArgs, SsoArgs, SsoCommand, SsoListArgs};
use super::output::{print_stdout, table};
use super::session_io::{open_session, with_prompts};
use crate::cache::sso_discovery::Discovery;
use crate::config::{Config, discovered_name};
use crate::session::{Session, SessionOptions};

pub fn run(config: &Path, args: &SsoArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        SsoCommand::List(list_args) => list(config, list_args),
        SsoCommand::Populate(populate_args) => super::sso_populate::run(config, populate_args),
    }
}

/// `runas login SESSION` for an `[sso-session SESSION]` no profile shares the name of.
pub fn login(session: &Session, args: &LoginArgs) -> anyhow::Result<ExitCode> {
    let options = SessionOptions {
        force_login: args.force,
        open_browser: !args.no_browser,
        ..SessionOptions::default()
    };
    let name = args.profile.as_str();
    super::runtime()?.block_on(with_prompts(|events| async move {
        session.sso_session_login(name, &options, &events).await
    }))?;
    eprintln!("runas: sso-session {name}: logged in to IAM Identity Center");
    Ok(ExitCode::SUCCESS)
}

/// The discoveries of the named session, or of every session; each failure is reported on
/// stderr and makes the exit status 1, the others are still listed.
pub fn discoveries(
    session: &Session,
    only: Option<&str>,
    refresh: bool,
) -> anyhow::Result<(Vec<Discovery>, bool)> {
    let names: Vec<String> = match only {
        Some(name) => vec![session.sso_session(name)?.name.clone()],
        None => session
            .config()
            .sso_sessions
            .iter()
            .map(|s| s.name.clone())
            .collect(),
    };
    if names.is_empty() {
        anyhow::bail!(
            "{} has no [sso-session NAME] sections: IAM Identity Center discovery needs one",
            session.config().path.display()
        );
    }
    let runtime = super::runtime()?;
    let mut found = Vec::new();
    let mut failed = false;
    for name in &names {
        let result: anyhow::Result<Discovery> =
            runtime.block_on(with_prompts(|events| async move {
                session.discovery(name, refresh, None, &events).await
            }));
        match result {
            Ok(discovery) => found.push(discovery),
            Err(error) if names.len() == 1 => return Err(error),
            Err(error) => {
                eprintln!("runas: {error:#}");
                failed = true;
            }
        }
    }
    Ok((found, failed))
}

fn list(config: &Path, args: &SsoListArgs) -> anyhow::Result<ExitCode> {
    let session = open_session(config)?;
    let (found, failed) = discoveries(&session, args.session.as_deref(), args.refresh)?;
    let profiles = ProfileIndex::of(session.config());
    let text = if args.json {
        let listed: Vec<ListedSession> = found
            .iter()
            .map(|discovery| ListedSession::of(discovery, &profiles))
            .collect();
        let mut json = serde_json::to_string_pretty(&listed).context("cannot encode the list")?;
        json.push('\n');
        json
    } else {
        found
            .iter()
            .map(|discovery| text_of(discovery, &profiles))
            .collect::<Vec<_>>()
            .join("\n")
    };
    print_stdout(&text).context("cannot write to stdout")?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Which profile of the config already stands for (session, account id, role).
pub struct ProfileIndex<'c>(HashMap<(&'c str, &'c str, &'c str), &'c str>);

impl<'c> ProfileIndex<'c> {
    pub fn of(config: &'c Config) -> Self {
        let mut index = HashMap::new();
        for profile in &config.profiles {
            let Some(sso) = &profile.sso else { continue };
            if let (Some(session), Some(account), Some(role)) =
                (&sso.session, &sso.account_id, &sso.role_name)
            {
                // The first profile in the file wins, as a person reading it would expect.
                index
                    .entry((session.as_str(), account.as_str(), role.as_str()))
                    .or_insert(profile.name.as_str());
            }
        }
        ProfileIndex(index)
    }

    pub fn get(&self, session: &str, account: &str, role: &str) -> Option<&'c str> {
        self.0.get(&(session, account, role)).copied()
    }
}

fn text_of(discovery: &Discovery, profiles: &ProfileIndex<'_>) -> String {
    let mut text = format!(
        "sso-session {}: {} accounts, {} roles (discovered {})\n",
        discovery.session,
        discovery.accounts.len(),
        discovery.role_count(),
        discovery.fetched_at.format("%Y-%m-%d %H:%M UTC"),
    );
    let mut rows = Vec::new();
    for account in &discovery.accounts {
        for role in &account.roles {
            let use_as = profiles
                .get(&discovery.session, &account.id, role)
                .map(str::to_owned)
                .unwrap_or_else(|| discovered_name(&discovery.session, &account.id, role));
            rows.push(vec![
                account.name.clone(),
                account.id.clone(),
                account.email.clone(),
                role.clone(),
                use_as,
            ]);
        }
    }
    text.push_str(&table(&["ACCOUNT", "ID", "EMAIL", "ROLE", "USE AS"], &rows));
    text
}

#[derive(Serialize)]
struct ListedSession<'a> {
    session: &'a str,
    start_url: &'a str,
    region: &'a str,
    fetched_at: String,
    accounts: Vec<ListedAccount<'a>>,
}

#[derive(Serialize)]
struct ListedAccount<'a> {
    id: &'a str,
    name: &'a str,
    email: &'a str,
    roles: Vec<ListedRole<'a>>,
}

#[derive(Serialize)]
struct ListedRole<'a> {
    name: &'a str,
    /// `SESSION/ACCOUNT_ID/ROLE`, usable wherever a profile name is.
    address: String,
    /// The config's profile for this role, when there is one.
    profile: Option<&'a str>,
}

impl<'a> ListedSession<'a> {
    fn of(discovery: &'a Discovery, profiles: &ProfileIndex<'a>) -> Self {
        ListedSession {
            session: &discovery.session,
            start_url: &discovery.start_url,
            region: &discovery.region,
            fetched_at: discovery.fetched_at.to_rfc3339(),
            accounts: discovery
                .accounts
                .iter()
                .map(|account| ListedAccount {
                    id: &account.id,
                    name: &account.name,
                    email: &account.email,
                    roles: account
                        .roles
                        .iter()
                        .map(|role| ListedRole {
                            name: role,
                            address: discovered_name(&discovery.session, &account.id, role),
                            profile: profiles.get(&discovery.session, &account.id, role),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
