//! `runas list`: every profile of the config file with its kind, identity provider, issuer and
//! problems. It never touches the network: the provider comes from the config, the hostname
//! rules or a detection cached by `runas detect` / a login.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use serde::Serialize;

use super::output::{print_stdout, table};
use crate::cache;
use crate::cache::detection::{DetectionCache, KnownProvider};
use crate::config::{self, Config, Profile, ProfileKind, ProviderKind};

pub fn run(config_path: &Path, args: &super::args::ListArgs) -> anyhow::Result<ExitCode> {
    let config = match config::load_with_credentials(
        config_path,
        config::default_credentials_path().as_deref(),
    ) {
        Ok(config) => config,
        // No file yet is where every newcomer starts: an empty inventory and how to begin,
        // like an empty file, not a failure.
        Err(config::ConfigError::Missing { path }) => {
            let text = if args.json {
                "[]\n".to_string()
            } else {
                format!(
                    "there is no AWS config file at {}\n{}",
                    path.display(),
                    config::getting_started_text()
                )
            };
            print_stdout(&text).context("cannot write to stdout")?;
            return Ok(ExitCode::SUCCESS);
        }
        Err(error) => return Err(error.into()),
    };
    let detections = load_detection_cache();
    let now = Utc::now();
    // Profiles share a handful of IdP URLs, and what `list` shows about the IdP depends only
    // on the URL and the configured provider: work it out once per pair, not per profile
    // (10,000 profiles, 7 IdPs: 7 issuer normalisations instead of 10,000).
    let mut known: HashMap<(&str, Option<ProviderKind>), KnownProvider> = HashMap::new();
    let rows: Vec<ProfileRow> = config
        .profiles
        .iter()
        .map(|profile| {
            let idp = profile.web_identity.as_ref().map(|web| {
                known
                    .entry((web.auth_url.as_str(), web.provider))
                    .or_insert_with(|| KnownProvider::of(web, detections.as_ref(), now))
                    .clone()
            });
            let mut row = ProfileRow::new(profile, &profile.file, idp.unwrap_or_default());
            (row.chain, row.root_kind) = chain(&config, profile);
            row
        })
        .collect();
    for issue in &config.issues {
        eprintln!("{issue}");
    }
    let text = if args.json {
        let mut json =
            serde_json::to_string_pretty(&rows).context("cannot encode the profile list")?;
        json.push('\n');
        json
    } else {
        human_table(&config, &rows)
    };
    // A reader that went away early (`runas list | head`) is a normal end.
    print_stdout(&text).context("cannot write to stdout")?;
    if !args.json {
        for profile in &config.profiles {
            for issue in profile.errors.iter().chain(&profile.warnings) {
                eprintln!("{issue}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The detection cache is a convenience here: an unreadable one only means fewer providers
/// are known, so it degrades to empty instead of failing the listing.
fn load_detection_cache() -> Option<DetectionCache> {
    let dir = cache::dir().ok()?;
    match DetectionCache::load(&dir) {
        Ok(cache) => Some(cache),
        Err(err) => {
            tracing::debug!("detection cache not used: {err}");
            None
        }
    }
}

/// One profile as `list` shows it; also the `--json` schema.
#[derive(Debug, Serialize)]
struct ProfileRow {
    name: String,
    kind: &'static str,
    provider: Option<ProviderKind>,
    /// How the provider was decided: the config key, the hostname rule, or a cached probe.
    provider_source: Option<String>,
    issuer: Option<String>,
    role_arn: Option<String>,
    account_id: Option<String>,
    role_name: Option<String>,
    region: Option<String>,
    source_profile: Option<String>,
    /// For a chained profile: the profiles from this one to the root of its chain, in order.
    chain: Vec<String>,
    /// The kind of the chain's root (`static`, `process`, `web_identity`, ...).
    root_kind: Option<&'static str>,
    flow: Option<&'static str>,
    device_only_reason: Option<String>,
    /// `web_identity_device_authorization_url`, own or inherited.
    device_authorization_url: Option<String>,
    /// `web_identity_token_env`: the variable a workload token is read from.
    web_identity_token_env: Option<String>,
    identity_center_application_arn: Option<String>,
    /// As configured; `null` means the profile's region.
    identity_center_region: Option<String>,
    identity_enhanced_role_arn: Option<String>,
    s3_access_grants_account_id: Option<String>,
    s3_access_grants_target: Option<String>,
    s3_access_grants_permission: Option<&'static str>,
    file: String,
    line: usize,
    errors: Vec<String>,
    warnings: Vec<String>,
}

impl ProfileRow {
    fn new(profile: &Profile, file: &Path, idp: KnownProvider) -> Self {
        let KnownProvider {
            provider,
            provider_source,
            issuer,
        } = idp;
        let center = profile.identity_center.as_ref();
        let role_arn = profile.role_arn.clone();
        let (mut account_id, mut role_name) =
            role_arn.as_deref().map(split_role_arn).unwrap_or_default();
        // IAM Identity Center names the role by account and permission set, not by ARN.
        if let Some(sso) = &profile.sso {
            account_id = account_id.or_else(|| sso.account_id.clone());
            role_name = role_name.or_else(|| sso.role_name.clone());
        }
        ProfileRow {
            name: profile.name.clone(),
            kind: profile.kind.as_str(),
            provider,
            provider_source,
            issuer,
            role_arn,
            account_id,
            role_name,
            region: profile.region.clone(),
            source_profile: profile.source_profile.clone(),
            chain: Vec::new(),
            root_kind: None,
            flow: match (&profile.web_identity, &profile.sso) {
                (Some(web), _) if web.device_only.is_some() => Some("device"),
                (Some(web), _) => Some(web.flow.as_str()),
                (None, Some(_)) => Some("device"),
                (None, None) => None,
            },
            device_only_reason: profile
                .web_identity
                .as_ref()
                .and_then(|web| web.device_only.clone()),
            device_authorization_url: profile
                .web_identity
                .as_ref()
                .and_then(|web| web.device_authorization_url.as_ref())
                .map(ToString::to_string),
            web_identity_token_env: profile.token_env.clone(),
            identity_center_application_arn: center.map(|c| c.application_arn.clone()),
            identity_center_region: center.and_then(|c| c.region.clone()),
            identity_enhanced_role_arn: center.map(|c| c.role_arn.clone()),
            s3_access_grants_account_id: center.map(|c| c.access_grants.account_id.clone()),
            s3_access_grants_target: center.and_then(|c| c.access_grants.target.clone()),
            s3_access_grants_permission: center.map(|c| c.access_grants.permission.as_str()),
            file: file.display().to_string(),
            line: profile.line,
            errors: profile.errors.iter().map(ToString::to_string).collect(),
            warnings: profile.warnings.iter().map(ToString::to_string).collect(),
        }
    }

    fn status(&self) -> String {
        match (self.errors.len(), self.warnings.len()) {
            (0, 0) if self.device_only_reason.is_some() => "ok (device flow only)".into(),
            (0, 0) => "ok".into(),
            (0, 1) => "ok, 1 warning".into(),
            (0, w) => format!("ok, {w} warnings"),
            (1, _) => "1 error".into(),
            (e, _) => format!("{e} errors"),
        }
    }
}

/// The `source_profile` chain of a chained profile, from it to the root, and the root's kind.
/// A chain that cannot be followed (a missing name, a cycle) stops where it breaks: the
/// profile's own errors already say why.
fn chain(config: &Config, profile: &Profile) -> (Vec<String>, Option<&'static str>) {
    if profile.kind != ProfileKind::Chained {
        return (Vec::new(), None);
    }
    let mut names = vec![profile.name.clone()];
    let mut current = profile;
    while let Some(source_name) = current.source_profile.as_deref() {
        // The AWS CLI's "my own keys" idiom: the root is the profile's own static keys.
        if source_name == current.name {
            return (names, Some(ProfileKind::Static.as_str()));
        }
        let Some(source) = config.profile(source_name) else {
            return (names, None);
        };
        if names.iter().any(|name| name == source_name) {
            return (names, None);
        }
        names.push(source.name.clone());
        current = source;
    }
    (names, Some(current.kind.as_str()))
}

/// `arn:aws:iam::123456789012:role/path/name` → (account id, role name). Validation is the
/// config module's job; this only picks the parts a person scans for.
fn split_role_arn(arn: &str) -> (Option<String>, Option<String>) {
    let mut fields = arn.splitn(6, ':');
    let account = fields.nth(4).filter(|a| !a.is_empty()).map(str::to_string);
    let role = fields
        .next()
        .and_then(|resource| resource.strip_prefix("role/"))
        .and_then(|path| path.rsplit('/').next())
        .filter(|name| !name.is_empty())
        .map(str::to_string);
    (account, role)
}

fn human_table(config: &Config, rows: &[ProfileRow]) -> String {
    if rows.is_empty() {
        return format!(
            "no profiles in {}\n{}",
            config.path.display(),
            config::getting_started_text()
        );
    }
    let dash = || "-".to_string();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                row.name.clone(),
                // Identity-enhanced credentials come from another role: say so in the listing.
                match (&row.identity_enhanced_role_arn, row.root_kind) {
                    (Some(_), _) => format!("{}+tip", row.kind),
                    // What the chain starts from is what the person must have ready.
                    (None, Some(root)) => format!("{}({root})", row.kind),
                    (None, None) => row.kind.to_string(),
                },
                row.provider.map_or_else(dash, |p| p.as_str().to_string()),
                row.account_id.clone().unwrap_or_else(dash),
                row.role_name.clone().unwrap_or_else(dash),
                row.region.clone().unwrap_or_else(dash),
                row.status(),
            ]
        })
        .collect();
    table(
        &[
            "PROFILE", "KIND", "PROVIDER", "ACCOUNT", "ROLE", "REGION", "STATUS",
        ],
        &cells,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arn_parts() {
        assert_eq!(
            split_role_arn("arn:aws:iam::123456789012:role/team/dev-admin"),
            (Some("123456789012".into()), Some("dev-admin".into()))
        );
        assert_eq!(split_role_arn("not-an-arn"), (None, None));
    }
}
