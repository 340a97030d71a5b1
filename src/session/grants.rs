//! S3 Access Grants for a profile (docs/ARCHITECTURE.md "Trusted identity propagation"): credentials for one S3 target, asked with the
//! profile's identity-enhanced session (`GetDataAccess`), cached per (profile, target,
//! permission) and reused while fresh by the same rule as role credentials. One lock per key
//! makes concurrent callers share one `GetDataAccess`.

use tokio::sync::mpsc::UnboundedSender;

use super::{Origin, Session, SessionError, SessionEvent, SessionOptions, Stage};
use crate::aws::access_grants::{AccessGrantsClient, data_access_url, get_data_access_advice};
use crate::aws::sdk::Timeouts;
use crate::aws::{self, Service};
use crate::cache::store::GrantEntry;
use crate::config::identity_center::check_target;
use crate::config::{GrantPermission, IdentityCenter, Profile};

/// A grant's credentials and how they were obtained.
#[derive(Debug, Clone)]
pub struct ObtainedGrant {
    pub entry: GrantEntry,
    pub origin: Origin,
}

impl Session {
    /// The target and permission a request for `name` means: the given ones, else the
    /// profile's `s3_access_grants_target` / `s3_access_grants_permission`.
    pub fn grant_request(
        &self,
        name: &str,
        target: Option<&str>,
        permission: Option<GrantPermission>,
    ) -> Result<(String, GrantPermission), SessionError> {
        let center = identity_center_of(self.profile(name)?)?;
        let target = match target.or(center.access_grants.target.as_deref()) {
            Some(target) => target.to_owned(),
            None => {
                return Err(SessionError::Unsupported {
                    name: name.to_owned(),
                    reason: "no S3 target given and no s3_access_grants_target configured; \
                             pass one, e.g. runas s3ag PROFILE s3://bucket/prefix/"
                        .to_owned(),
                });
            }
        };
        check_target("target", &target).map_err(|reason| SessionError::Unsupported {
            name: name.to_owned(),
            reason,
        })?;
        Ok((
            target,
            permission.unwrap_or(center.access_grants.permission),
        ))
    }

    /// Credentials for `target` with `permission`, from the cache while fresh, else asked of
    /// S3 Access Grants with the profile's identity-enhanced credentials.
    pub async fn access_grant(
        &self,
        name: &str,
        target: &str,
        permission: GrantPermission,
        options: &SessionOptions,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<ObtainedGrant, SessionError> {
        let profile = self.profile(name)?;
        let center = identity_center_of(profile)?;
        let cached = |session: &Session| {
            session
                .store
                .grant(name, target, permission)
                .unwrap_or_else(|source| {
                    session.cache_unavailable(events, name, &source);
                    None
                })
                .filter(|entry| entry.is_fresh(session.now()))
                .map(|entry| ObtainedGrant {
                    entry,
                    origin: Origin::Cache,
                })
        };
        if !options.force_login
            && let Some(found) = cached(self)
        {
            return Ok(found);
        }
        let lock = self
            .lock_or_warn(
                name,
                &GrantEntry::lock_name(name, target, permission),
                events,
            )
            .await?;
        if !options.force_login
            && lock.is_some()
            && let Some(found) = cached(self)
        {
            return Ok(found);
        }
        let session = self.credentials(name, options, events).await?;
        let entry = self
            .get_data_access(profile, center, target, permission, &session.entry, events)
            .await?;
        if let Err(source) = self.store.put_grant(&entry) {
            self.cache_unavailable(events, name, &source);
        }
        Ok(ObtainedGrant {
            entry,
            origin: Origin::Exchanged,
        })
    }

    async fn get_data_access(
        &self,
        profile: &Profile,
        center: &IdentityCenter,
        target: &str,
        permission: GrantPermission,
        session: &crate::cache::store::CredentialEntry,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<GrantEntry, SessionError> {
        let name = &profile.name;
        let region = self.region(profile);
        let account_id = &center.access_grants.account_id;
        let endpoint_error = |source| SessionError::Endpoint {
            name: name.clone(),
            source,
        };
        let endpoint = aws::resolve_endpoint(
            Service::S3Control,
            &region,
            profile.endpoint_url.as_deref(),
            |variable| (self.env)(variable),
        )
        .map_err(endpoint_error)?;
        let url = data_access_url(&endpoint, account_id).map_err(endpoint_error)?;
        self.event(
            events,
            name,
            Stage::FetchingAccessGrant {
                target: target.to_owned(),
                permission,
            },
        );
        let granted = AccessGrantsClient::new(&region, &url, Timeouts::default())
            .get_data_access(account_id, target, permission, &session.credentials)
            .await
            .map_err(|source| SessionError::AccessGrant {
                name: name.clone(),
                target: target.to_owned(),
                permission,
                hint: get_data_access_advice(&source, account_id, target, permission),
                source: Box::new(source),
            })?;
        Ok(GrantEntry {
            profile: name.clone(),
            target: target.to_owned(),
            permission,
            credentials: granted.credentials,
            obtained_at: self.now(),
            matched_grant_target: granted.matched_grant_target,
            grantee: granted.grantee,
        })
    }

    /// Every cached grant (fresh or not), for `s3ag list` and the TUI.
    pub fn cached_grants(&self) -> Vec<GrantEntry> {
        self.store.all_grants()
    }

    /// Removes the cached grants of `name` (of every profile with `None`); returns how many.
    pub fn clear_grants(&self, name: Option<&str>) -> Result<usize, SessionError> {
        if let Some(name) = name {
            self.profile(name)?;
        }
        self.store
            .remove_grants(name)
            .map_err(|source| SessionError::Cache {
                name: name.unwrap_or("*").to_owned(),
                source,
            })
    }
}

fn identity_center_of(profile: &Profile) -> Result<&IdentityCenter, SessionError> {
    if !profile.errors.is_empty() {
        return Err(SessionError::InvalidProfile {
            name: profile.name.clone(),
            issues: profile.errors.iter().map(ToString::to_string).collect(),
        });
    }
    profile
        .identity_center
        .as_deref()
        .ok_or_else(|| SessionError::Unsupported {
            name: profile.name.clone(),
            reason: "has no identity_center_application_arn and identity_enhanced_role_arn; S3 \
                     Access Grants need an identity-enhanced session (see README, trusted \
                     identity propagation)"
                .to_owned(),
        })
}
