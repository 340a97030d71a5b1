//! `runas s3ag`: S3 Access Grants credentials for a target, printed as export lines the way
//! `runas env` prints a profile's (`--format json` also carries the matched grant target);
//! `s3ag list` shows the cached grants without their secrets; `s3ag clear` forgets them.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::args::{ListArgs, S3agArgs, S3agClearArgs, S3agCommand};
use super::credentials::human_duration;
use super::output::{print_stdout, table};
use super::session_io::{open_session, with_prompts};
use crate::cache::store::GrantEntry;
use crate::session::{Origin, SessionOptions};
use crate::shell::{Handoff, export};

pub fn run(config: &Path, args: &S3agArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        Some(S3agCommand::List(list_args)) => list(config, list_args),
        Some(S3agCommand::Clear(clear_args)) => clear(config, clear_args),
        None => fetch(config, args),
    }
}

fn fetch(config: &Path, args: &S3agArgs) -> anyhow::Result<ExitCode> {
    let profile = args
        .profile
        .as_deref()
        .context("name a profile: runas s3ag PROFILE [s3://bucket/prefix/]")?;
    let format = match &args.format {
        Some(format) => format.parse::<export::Format>()?,
        None => {
            std::env::var_os("SHELL").map_or(export::Format::Sh, export::Format::from_shell_path)
        }
    };
    let session = open_session(config)?;
    let (target, permission) =
        session.grant_request(profile, args.target.as_deref(), args.permission)?;
    let options = SessionOptions::default();
    let obtained = super::runtime()?.block_on(with_prompts(|events| {
        let (session, target, options) = (&session, &target, &options);
        async move {
            session
                .access_grant(profile, target, permission, options, &events)
                .await
        }
    }))?;
    let entry = &obtained.entry;
    eprintln!(
        "runas: {profile}: {} {permission} on {target} (grant {}), expires in {}",
        match obtained.origin {
            Origin::Cache => "cached S3 Access Grants credentials for",
            Origin::Exchanged => "S3 Access Grants credentials for",
        },
        entry.matched_grant_target.as_deref().unwrap_or("?"),
        human_duration(entry.credentials.remaining(Utc::now())),
    );
    let handoff = Handoff {
        profile: profile.to_owned(),
        region: session.profile(profile).ok().and_then(|p| p.region.clone()),
        credentials: entry.credentials.clone(),
    };
    let text = match format {
        export::Format::Json => grant_json(&handoff, entry),
        other => export::render(&handoff, other),
    };
    print_stdout(&text).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

/// The variables `runas env --format json` prints, in their order, plus the grant's facts.
fn grant_json(handoff: &Handoff, entry: &GrantEntry) -> String {
    struct GrantJson<'a>(&'a Handoff, &'a GrantEntry);
    impl Serialize for GrantJson<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let environment = self.0.environment();
            let mut map = serializer.serialize_map(None)?;
            for variable in &environment.set {
                map.serialize_entry(variable.name, variable.value.expose())?;
            }
            map.serialize_entry("MatchedGrantTarget", &self.1.matched_grant_target)?;
            map.serialize_entry("Target", &self.1.target)?;
            map.serialize_entry("Permission", self.1.permission.as_str())?;
            map.end()
        }
    }
    // String keys and values serialise into a String without fail.
    let mut json = serde_json::to_string_pretty(&GrantJson(handoff, entry)).unwrap_or_default();
    json.push('\n');
    json
}

/// One cached grant as `s3ag list` shows it; also the `--json` schema. No secret field.
#[derive(Debug, Serialize)]
struct GrantRow {
    profile: String,
    target: String,
    permission: &'static str,
    matched_grant_target: Option<String>,
    grantee: Option<String>,
    access_key_id: String,
    expires_at: DateTime<Utc>,
    expires_in_seconds: i64,
    fresh: bool,
}

fn list(config: &Path, args: &ListArgs) -> anyhow::Result<ExitCode> {
    let session = open_session(config)?;
    let now = session.now();
    let rows: Vec<GrantRow> = session
        .cached_grants()
        .into_iter()
        .map(|grant| GrantRow {
            fresh: grant.is_fresh(now),
            expires_in_seconds: grant.credentials.remaining(now).num_seconds(),
            expires_at: grant.credentials.expiration,
            access_key_id: grant.credentials.access_key_id,
            permission: grant.permission.as_str(),
            matched_grant_target: grant.matched_grant_target,
            grantee: grant.grantee,
            target: grant.target,
            profile: grant.profile,
        })
        .collect();
    let text = if args.json {
        let mut json =
            serde_json::to_string_pretty(&rows).context("cannot encode the grant list")?;
        json.push('\n');
        json
    } else if rows.is_empty() {
        "no cached S3 Access Grants credentials; get some with runas s3ag PROFILE s3://bucket/prefix/\n"
            .to_owned()
    } else {
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                vec![
                    row.profile.clone(),
                    row.target.clone(),
                    row.permission.to_owned(),
                    row.matched_grant_target
                        .clone()
                        .unwrap_or_else(|| "-".into()),
                    if row.expires_in_seconds > 0 {
                        human_duration(chrono::Duration::seconds(row.expires_in_seconds))
                    } else {
                        "expired".to_owned()
                    },
                ]
            })
            .collect();
        table(
            &[
                "PROFILE",
                "TARGET",
                "PERMISSION",
                "MATCHED GRANT",
                "EXPIRES IN",
            ],
            &cells,
        )
    };
    print_stdout(&text).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}

fn clear(config: &Path, args: &S3agClearArgs) -> anyhow::Result<ExitCode> {
    let session = open_session(config)?;
    let removed = session.clear_grants(args.profile.as_deref())?;
    let whose = args
        .profile
        .as_deref()
        .map_or_else(String::new, |profile| format!("{profile}: "));
    eprintln!(
        "runas: {whose}removed {removed} cached S3 Access Grants credential{}",
        if removed == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}
