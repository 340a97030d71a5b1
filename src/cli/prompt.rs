//! `runas prompt`: a short string for the prompt of a runas shell — the profile and the time
//! its credentials have left, e.g. `dev-admin 42m` or `dev-admin expired`. It runs at every
//! prompt, so it reads only the environment the shell was started with (`RUNAS_PROFILE`,
//! `AWS_CREDENTIAL_EXPIRATION`) and, only where that says nothing (a credentials-server shell
//! has no keys in its environment) or the format asks for the account or role, the profile's
//! cache entry. It never reads the config and never touches the network. Outside a runas shell
//! it prints nothing.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::args::PromptArgs;
use crate::cache::{self, store::Store};
use crate::shell::vars;

/// What the prompt can show about the active shell.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct PromptFacts {
    profile: String,
    expiration: Option<DateTime<Utc>>,
    role_arn: Option<String>,
}

pub fn run(args: &PromptArgs) -> anyhow::Result<ExitCode> {
    let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let Some(profile) = env(vars::RUNAS_PROFILE) else {
        return Ok(ExitCode::SUCCESS);
    };
    let mut facts = PromptFacts {
        expiration: env(vars::CREDENTIAL_EXPIRATION)
            .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
            .map(|time| time.with_timezone(&Utc)),
        profile,
        role_arn: None,
    };
    let wants_role = args.format.contains("{account}") || args.format.contains("{role}");
    if facts.expiration.is_none() || wants_role {
        // A cache that cannot be read leaves the fields empty: a prompt must not fail.
        if let Some(entry) = cache::dir()
            .ok()
            .and_then(|dir| Store::new(dir).credentials(&facts.profile).ok().flatten())
        {
            facts.expiration = facts.expiration.or(Some(entry.credentials.expiration));
            facts.role_arn = entry.role_arn.or(entry.assumed_role_arn);
        }
    }
    let line = render(&args.format, &facts, Utc::now());
    // A prompt whose reader went away is no error worth a message.
    let _ = writeln!(std::io::stdout(), "{line}").context("cannot write to stdout");
    Ok(ExitCode::SUCCESS)
}

/// `format` with `{profile}`, `{left}`, `{account}` and `{role}` replaced; unknown values
/// are empty. Spaces are kept: a format like `"({profile}) "` separates the prompt that
/// follows.
fn render(format: &str, facts: &PromptFacts, now: DateTime<Utc>) -> String {
    let left = facts
        .expiration
        .map(|expiration| time_left(expiration - now))
        .unwrap_or_default();
    let (account, role) = facts
        .role_arn
        .as_deref()
        .map(account_and_role)
        .unwrap_or_default();
    format
        .replace("{profile}", &facts.profile)
        .replace("{left}", &left)
        .replace("{account}", account)
        .replace("{role}", role)
}

/// `3h05m`, `42m`, `30s`, `expired`.
fn time_left(left: chrono::Duration) -> String {
    let seconds = left.num_seconds();
    match (seconds / 3600, (seconds % 3600) / 60) {
        _ if seconds <= 0 => "expired".to_owned(),
        (0, 0) => format!("{seconds}s"),
        (0, minutes) => format!("{minutes}m"),
        (hours, minutes) => format!("{hours}h{minutes:02}m"),
    }
}

/// The account and the role name (without its path) of a role or assumed-role ARN.
fn account_and_role(arn: &str) -> (&str, &str) {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    let account = fields.get(4).copied().unwrap_or_default();
    let resource = fields.get(5).copied().unwrap_or_default();
    let role = match resource.split_once('/') {
        // assumed-role/NAME/SESSION
        Some(("assumed-role", rest)) => rest.split('/').next().unwrap_or_default(),
        // role/PATH/NAME
        Some(("role", rest)) => rest.rsplit('/').next().unwrap_or_default(),
        _ => resource,
    };
    (account, role)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(expires_in_seconds: Option<i64>, now: DateTime<Utc>) -> PromptFacts {
        PromptFacts {
            profile: "dev-admin".into(),
            expiration: expires_in_seconds.map(|s| now + chrono::Duration::seconds(s)),
            role_arn: Some("arn:aws:iam::123456789012:role/team/dev-admin".into()),
        }
    }

    #[test]
    fn the_default_format_shows_profile_and_time_left() {
        let now = Utc::now();
        let default = "{profile} {left}";
        assert_eq!(
            render(default, &facts(Some(42 * 60 + 5), now), now),
            "dev-admin 42m"
        );
        assert_eq!(
            render(default, &facts(Some(3 * 3600 + 5 * 60), now), now),
            "dev-admin 3h05m"
        );
        assert_eq!(render(default, &facts(Some(30), now), now), "dev-admin 30s");
        assert_eq!(
            render(default, &facts(Some(0), now), now),
            "dev-admin expired"
        );
        assert_eq!(
            render(default, &facts(Some(-60), now), now),
            "dev-admin expired"
        );
        assert_eq!(render(default, &facts(None, now), now), "dev-admin ");
        assert_eq!(
            render("({profile}) ", &facts(None, now), now),
            "(dev-admin) "
        );
    }

    #[test]
    fn account_and_role_come_from_the_arn() {
        let now = Utc::now();
        assert_eq!(
            render("[{account}:{role}] {profile}", &facts(Some(60), now), now),
            "[123456789012:dev-admin] dev-admin"
        );
        assert_eq!(
            account_and_role("arn:aws:sts::111122223333:assumed-role/ops/alice@example.test"),
            ("111122223333", "ops")
        );
        assert_eq!(account_and_role("nonsense"), ("", ""));
    }
}
