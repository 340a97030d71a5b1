//! What a list row says about the IdP its profile logs in with ([`IdpFacts`]), decided once
//! per IdP URL however many profiles share it, and the list's order (by heading, then name),
//! decided on small keys before any row is built. Split from `rows` so that building a row
//! stays about one profile. Pure: the detection cache is passed in, never read here.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::rows::{group_without_idp, host_of, sso_group, sso_source};
use crate::cache::detection::{DetectionCache, KnownProvider};
use crate::config::{Config, FastMap, Profile, ProviderKind};

/// What a row says about the IdP a profile logs in with: decided from the profile's IdP URL
/// and configured provider (or its Identity Center start URL) alone, so equal for every
/// profile that shares them: its texts are shared with every row, not copied.
#[derive(Debug, Clone)]
pub(super) struct IdpFacts {
    pub(super) provider: Option<ProviderKind>,
    pub(super) detected_by: Arc<str>,
    pub(super) issuer: Option<Arc<str>>,
    pub(super) group: Arc<str>,
}

impl IdpFacts {
    pub(super) fn of(
        profile: &Profile,
        detections: Option<&DetectionCache>,
        now: DateTime<Utc>,
    ) -> IdpFacts {
        let facts =
            |provider, detected_by: String, issuer: Option<String>, group: String| IdpFacts {
                provider,
                detected_by: detected_by.into(),
                issuer: issuer.map(Into::into),
                group: group.into(),
            };
        match &profile.web_identity {
            Some(web) => {
                let known = KnownProvider::of(web, detections, now);
                match (known.provider, known.issuer) {
                    (Some(provider), Some(issuer)) => {
                        let how = match web.provider {
                            Some(configured) if configured == provider => {
                                format!("web_identity_provider = {provider}")
                            }
                            _ => known.provider_source.unwrap_or_default(),
                        };
                        let group = format!("{} · {}", provider.display_name(), host_of(&issuer));
                        facts(Some(provider), how, Some(issuer), group)
                    }
                    _ => {
                        let host = web.auth_url.host_str().unwrap_or("?").to_owned();
                        facts(
                            None,
                            "decided at the first login (one HEAD probe)".to_owned(),
                            None,
                            format!("IdP · {host}"),
                        )
                    }
                }
            }
            None => match &profile.sso {
                Some(sso) => facts(None, sso_source(sso), None, sso_group(sso)),
                None => facts(None, String::new(), None, group_without_idp(profile.kind)),
            },
        }
    }

    /// Every distinct answer once, and for profile `i` the index of its answer. Generated
    /// configs give thousands of profiles a handful of IdP URLs, so detecting and normalising
    /// each URL once keeps the first frame's cost per profile small (ARCHITECTURE.md: Scale).
    pub(super) fn decide(
        config: &Config,
        detections: Option<&DetectionCache>,
        now: DateTime<Utc>,
    ) -> (Vec<IdpFacts>, Vec<usize>) {
        let mut facts: Vec<IdpFacts> = Vec::new();
        let mut known: FastMap<(&str, Option<ProviderKind>), usize> = FastMap::default();
        let of_profile = config
            .profiles
            .iter()
            .map(|profile| {
                let mut decide = || {
                    facts.push(IdpFacts::of(profile, detections, now));
                    facts.len() - 1
                };
                match &profile.web_identity {
                    Some(web) => *known
                        .entry((web.auth_url.as_str(), web.provider))
                        .or_insert_with(decide),
                    None => decide(),
                }
            })
            .collect();
        (facts, of_profile)
    }

    /// Profiles without an IdP sort after every IdP's heading.
    fn heading(&self) -> (bool, &str) {
        (
            self.provider.is_none() && self.issuer.is_none(),
            &self.group,
        )
    }
}

/// The indices of `config.profiles` in list order: by heading (profiles without an IdP last),
/// then name, ties in file order. Decided on small keys before any row exists, so sorting
/// moves indices rather than whole rows: each distinct heading gets a rank, then rank and
/// name decide.
pub(super) fn order(config: &Config, facts: &[IdpFacts], of_profile: &[usize]) -> Vec<usize> {
    let mut headings: Vec<(bool, &str)> = facts.iter().map(IdpFacts::heading).collect();
    headings.sort_unstable();
    headings.dedup();
    // Every fact's heading is in `headings`, so the search always finds it.
    let rank: Vec<usize> = facts
        .iter()
        .map(|idp| headings.binary_search(&idp.heading()).unwrap_or(0))
        .collect();
    let key = |index: usize| (rank[of_profile[index]], &config.profiles[index].name);
    let mut order: Vec<usize> = (0..config.profiles.len()).collect();
    order.sort_by(|&a, &b| key(a).cmp(&key(b)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_sort_by_heading_then_name_with_profiles_without_an_idp_last() {
        // Two URLs on one host share a heading; one URL is shared by two profiles.
        let text = "[profile zeta]\nweb_identity_auth_url = https://a.okta.com/oauth2/x\n\
                    web_identity_client_id = c\nrole_arn = arn:aws:iam::111111111111:role/r\n\
                    [profile static]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n\
                    [profile alpha]\nweb_identity_auth_url = https://a.okta.com/oauth2/y\n\
                    web_identity_client_id = c\nrole_arn = arn:aws:iam::111111111111:role/r\n\
                    [profile beta]\nweb_identity_auth_url = https://idp.example/realms/r\n\
                    web_identity_client_id = c\nrole_arn = arn:aws:iam::111111111111:role/r\n\
                    [profile mid]\nweb_identity_auth_url = https://a.okta.com/oauth2/x\n\
                    web_identity_client_id = c\nrole_arn = arn:aws:iam::111111111111:role/r\n";
        let config = crate::config::parse(std::path::Path::new("/c"), text);
        let (facts, of_profile) = IdpFacts::decide(&config, None, Utc::now());
        assert_eq!(
            facts.len(),
            4,
            "one answer per distinct URL, one per other profile"
        );
        let names: Vec<&str> = order(&config, &facts, &of_profile)
            .into_iter()
            .map(|index| config.profiles[index].name.as_str())
            .collect();
        assert_eq!(names, ["alpha", "mid", "zeta", "beta", "static"]);
    }
}
