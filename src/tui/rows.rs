//! One profile as the TUI shows it ([`ProfileRow`]): facts taken from the config once, without
//! network (provider badge, issuer, account and role, masked keys, chain), plus what the cache
//! last said ([`CacheView`]) and what a login is doing. Built by pure functions so the view and
//! the tests need no disk; reading the cache is the effects' job, not this module's.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::cache_view::expiry_status;
pub use super::cache_view::{CacheView, CredentialView, GrantView, TokenView};
use super::idp_facts::{self, IdpFacts};
use super::state::{Activity, Status};
use crate::cache::detection::DetectionCache;
use crate::config::{
    Config, Entry, GrantPermission, Profile, ProfileKind, ProviderKind, SsoProfile,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRow {
    pub name: String,
    pub kind: ProfileKind,
    /// `None` when only a network probe can tell.
    pub provider: Option<ProviderKind>,
    /// How the provider was decided, in words. Shared by the rows of one IdP, like `issuer`
    /// and `group`.
    pub detected_by: Arc<str>,
    pub issuer: Option<Arc<str>>,
    pub role_arn: Option<String>,
    pub account_id: Option<String>,
    pub role_name: Option<String>,
    /// The list heading this row sits under: the IdP it logs in with.
    pub group: Arc<str>,
    /// The profile's keys in file order, shared with the config (shown with secrets masked).
    pub entries: Arc<Vec<Entry>>,
    /// Roles and profiles the credentials pass through, first to last.
    pub chain: Vec<String>,
    pub config_errors: Vec<String>,
    pub config_warnings: Vec<String>,
    /// What the filter matches besides the row's own facts ([`ProfileRow::search_fields`]):
    /// empty for a profile of the file, the account's name, id and e-mail for a discovered role.
    pub extra_search_fields: Vec<String>,
    /// The configured S3 Access Grants request (`s3_access_grants_target` and permission), for
    /// the grant key.
    pub access_grant: Option<(String, GrantPermission)>,
    pub cache: CacheView,
    pub activity: Activity,
    /// Why the last login was needed although a refresh token was cached (e.g. the IdP's
    /// refreshes carry no ID token); shown in the login modal and the detail pane.
    pub login_note: Option<String>,
    /// `web_identity_device_authorization_url`, own or inherited.
    pub device_authorization_url: Option<String>,
    /// The `sso_session` the profile names, if any.
    pub sso_session: Option<String>,
    /// An sso-session's own row or a discovered role (`tui::sso_rows`); `None` otherwise.
    pub sso: Option<super::sso_rows::SsoRow>,
}

impl ProfileRow {
    /// `detections` is the detection cache, if readable: a URL only a probe can place shows
    /// the provider a past login or `runas detect` found.
    pub fn from_profile(
        profile: &Profile,
        config: &Config,
        detections: Option<&DetectionCache>,
        now: DateTime<Utc>,
    ) -> ProfileRow {
        let idp = IdpFacts::of(profile, detections, now);
        ProfileRow::with_idp(profile, config, &idp)
    }

    /// The row for `profile` whose IdP facts are already worked out: profiles sharing an IdP
    /// URL share them, so [`rows_from_config`] decides them once per URL.
    fn with_idp(profile: &Profile, config: &Config, idp: &IdpFacts) -> ProfileRow {
        let IdpFacts {
            provider,
            detected_by,
            issuer,
            group,
        } = idp.clone();
        // An IAM Identity Center profile names its role by account and role name.
        let role_arn = profile.role_arn.clone().or_else(|| {
            let sso = profile.sso.as_ref()?;
            Some(format!(
                "arn:aws:iam::{}:role/{}",
                sso.account_id.as_deref()?,
                sso.role_name.as_deref()?
            ))
        });
        let (account_id, role_name) = role_arn
            .as_deref()
            .map(split_role_arn)
            .unwrap_or((None, None));
        ProfileRow {
            name: profile.name.clone(),
            kind: profile.kind,
            provider,
            detected_by,
            issuer,
            chain: chain_of(profile, config),
            role_arn,
            account_id,
            role_name,
            group,
            entries: Arc::clone(&profile.entries),
            config_errors: profile.errors.iter().map(ToString::to_string).collect(),
            config_warnings: profile.warnings.iter().map(ToString::to_string).collect(),
            extra_search_fields: Vec::new(),
            access_grant: profile.identity_center.as_ref().and_then(|center| {
                let grants = &center.access_grants;
                Some((grants.target.clone()?, grants.permission))
            }),
            cache: CacheView::default(),
            activity: Activity::Idle,
            login_note: None,
            device_authorization_url: profile
                .web_identity
                .as_ref()
                .and_then(|web| web.device_authorization_url.as_ref())
                .map(ToString::to_string),
            sso_session: profile.sso.as_ref().and_then(|sso| sso.session.clone()),
            sso: None,
        }
    }

    /// The fields the filter matches, each on its own so a query cannot match by picking
    /// letters across fields: name, account, role ARN, provider, then the extra ones. Worked
    /// out at each keystroke rather than stored: the matcher ignores case itself, and copies
    /// were 3 MB at 10,000 profiles.
    pub fn search_fields(&self) -> impl Iterator<Item = &str> {
        let sso = self.kind == ProfileKind::Sso;
        [
            Some(self.name.as_str()),
            self.account_id.as_deref(),
            self.role_arn.as_deref(),
            self.provider.map(ProviderKind::as_str),
            self.provider.map(ProviderKind::display_name),
            sso.then_some("sso"),
            sso.then_some("IAM Identity Center"),
        ]
        .into_iter()
        .flatten()
        .chain(self.extra_search_fields.iter().map(String::as_str))
    }

    /// The profile's status at `now`; `cache_loaded` false means the cache was not read yet.
    pub fn status(&self, now: DateTime<Utc>, cache_loaded: bool) -> Status {
        if !self.config_errors.is_empty() {
            return Status::Invalid;
        }
        match &self.activity {
            Activity::Running { stage, .. } => {
                return Status::InProgress {
                    stage: stage.label().to_owned(),
                };
            }
            Activity::Failed { error } => {
                return Status::Error {
                    summary: first_line(error),
                };
            }
            Activity::Idle => {}
        }
        if !matches!(
            self.kind,
            ProfileKind::WebIdentity
                | ProfileKind::TokenFile
                | ProfileKind::Chained
                | ProfileKind::Sso
        ) {
            return Status::NotApplicable;
        }
        if !cache_loaded {
            return Status::Unknown;
        }
        match (&self.cache.credentials, &self.cache.tokens) {
            (Some(creds), _) => expiry_status(creds.expiration, now),
            // A live ID token, or a refresh token to renew one, makes the next step silent.
            (None, Some(tokens)) if tokens.refresh_token || tokens.expires_at > now => {
                Status::Ready
            }
            (None, _) => Status::NeverLoggedIn,
        }
    }
}

/// Sorts rows by group (profiles without an IdP last) then name, so profiles of one IdP app
/// sit together under one heading.
pub fn rows_from_config(
    config: &Config,
    detections: Option<&DetectionCache>,
    now: DateTime<Utc>,
) -> Vec<ProfileRow> {
    let (facts, of_profile) = IdpFacts::decide(config, detections, now);
    let mut rows: Vec<ProfileRow> = idp_facts::order(config, &facts, &of_profile)
        .into_iter()
        .map(|index| {
            ProfileRow::with_idp(&config.profiles[index], config, &facts[of_profile[index]])
        })
        .collect();
    let sessions = super::sso_rows::session_rows(config);
    if !sessions.is_empty() {
        // Profiles are in order already; the sso-session rows join their groups.
        rows.extend(sessions);
        sort_rows(&mut rows);
    }
    rows
}

/// Groups in order (profiles without an IdP last), then names within a group: the order
/// `idp_facts::order` gives profiles before any row is built.
pub fn sort_rows(rows: &mut [ProfileRow]) {
    rows.sort_by(|a, b| {
        (
            a.provider.is_none() && a.issuer.is_none(),
            &a.group,
            &a.name,
        )
            .cmp(&(
                b.provider.is_none() && b.issuer.is_none(),
                &b.group,
                &b.name,
            ))
    });
}

pub(super) fn group_without_idp(kind: ProfileKind) -> String {
    match kind {
        ProfileKind::Chained => "chained (source_profile)".to_owned(),
        ProfileKind::Sso => "IAM Identity Center".to_owned(),
        _ => "other profiles".to_owned(),
    }
}

/// How an IAM Identity Center profile logs in, in words for the detail pane.
pub(super) fn sso_source(sso: &SsoProfile) -> String {
    let start = sso.start_url.as_deref().unwrap_or("?");
    match &sso.session {
        Some(session) => format!("IAM Identity Center, sso-session {session} ({start})"),
        None => format!("IAM Identity Center, legacy sso_start_url ({start})"),
    }
}

pub(super) fn sso_group(sso: &SsoProfile) -> String {
    match &sso.start_url {
        Some(url) => format!("IAM Identity Center · {}", host_of(url)),
        None => "IAM Identity Center".to_owned(),
    }
}

pub(crate) fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

/// `arn:aws:iam::ACCOUNT:role/PATH/NAME` → (ACCOUNT, NAME); anything else gives what it can.
pub fn split_role_arn(arn: &str) -> (Option<String>, Option<String>) {
    let [.., account, resource] = crate::config::arn_fields(arn);
    let account = account
        .filter(|account| !account.is_empty())
        .map(str::to_owned);
    let role = resource
        .and_then(|resource| resource.strip_prefix("role/"))
        .map(|path| crate::config::last_path_segment(path).to_owned());
    (account, role)
}

/// The hops from the first credentials to this profile's role.
fn chain_of(profile: &Profile, config: &Config) -> Vec<String> {
    let mut chain = Vec::new();
    let mut current = profile;
    let mut seen = vec![profile.name.as_str()];
    while let Some(source) = current.source_profile.as_deref() {
        chain.push(format!("source_profile {source}"));
        match config.profile(source) {
            Some(next) if !seen.contains(&next.name.as_str()) => {
                seen.push(next.name.as_str());
                current = next;
            }
            _ => break,
        }
    }
    chain.reverse();
    if let Some(jump) = &profile.jump_role_arn {
        chain.push(format!("jump role {jump}"));
    }
    if (!chain.is_empty() || profile.identity_center.is_some())
        && let Some(role) = &profile.role_arn
    {
        chain.push(format!("role {role}"));
    }
    if let Some(center) = &profile.identity_center {
        chain.push("Identity Center context".to_owned());
        chain.push(format!("identity-enhanced role {}", center.role_arn));
    }
    chain
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_arn_splits_into_account_and_role_name() {
        assert_eq!(
            split_role_arn("arn:aws:iam::123456789012:role/team/dev-admin"),
            (Some("123456789012".into()), Some("dev-admin".into()))
        );
        assert_eq!(split_role_arn("nonsense"), (None, None));
    }

    #[test]
    fn host_of_drops_scheme_and_path() {
        assert_eq!(host_of("https://x.okta.com/oauth2/default"), "x.okta.com");
    }

    #[test]
    fn a_probe_needing_url_shows_the_provider_a_cached_detection_found() {
        use crate::idp::{Detection, DetectionMethod, IssuerSource, ProbeEvidence};

        let text = "[profile corp]\n\
                    web_identity_auth_url = https://login.corp.example/realms/dev\n\
                    web_identity_client_id = runas\n\
                    role_arn = arn:aws:iam::123456789012:role/dev\n";
        let config = crate::config::parse(std::path::Path::new("/home/me/.aws/config"), text);
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let unknown = rows_from_config(&config, None, now);
        assert_eq!(unknown[0].provider, None);
        assert!(unknown[0].detected_by.contains("first login"));

        let dir = tempfile::tempdir().unwrap();
        let mut cache = DetectionCache::load(dir.path()).unwrap();
        let auth_url = config.profiles[0]
            .web_identity
            .as_ref()
            .unwrap()
            .auth_url
            .clone();
        cache.put(
            &auth_url,
            Detection {
                provider: ProviderKind::Keycloak,
                issuer: auth_url.clone(),
                issuer_exact: "https://login.corp.example/realms/dev".to_owned(),
                method: DetectionMethod::Probe(ProbeEvidence::KeycloakCookie),
                issuer_source: IssuerSource::Discovery {
                    corrected_from: None,
                },
            },
            now,
        );
        let known = rows_from_config(&config, Some(&cache), now);
        assert_eq!(known[0].provider, Some(ProviderKind::Keycloak));
        assert!(
            known[0].detected_by.ends_with("(cached)"),
            "{}",
            known[0].detected_by
        );
        assert_eq!(
            known[0].issuer.as_deref(),
            Some("https://login.corp.example/realms/dev")
        );
    }
}
