//! `SESSION/ACCOUNT/ROLE`: a discovered role addressed without a profile. ACCOUNT is an
//! account id or an account name; a name several accounts share is refused with their ids,
//! since guessing would hand out the wrong account's credentials. The address becomes a
//! profile of this session only (never written to the file), so everything downstream treats
//! it like a hand-written `sso_session` profile, cache included.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use crate::cache::sso_discovery::{DiscoveredAccount, Discovery};
use crate::config::{Config, Profile};
use crate::session::{Session, SessionError, SessionEvent};

/// The parts of an address, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address<'a> {
    pub session: &'a str,
    pub account: &'a str,
    pub role: &'a str,
}

impl<'a> Address<'a> {
    /// `None` unless `name` has exactly three non-empty parts.
    pub fn parse(name: &'a str) -> Option<Self> {
        let mut parts = name.split('/');
        let (session, account, role) = (parts.next()?, parts.next()?, parts.next()?);
        let complete = parts.next().is_none()
            && !session.is_empty()
            && !account.is_empty()
            && !role.is_empty();
        complete.then_some(Address {
            session,
            account,
            role,
        })
    }
}

/// The account an address names in `discovery`: by id, else by name (exact, then ignoring
/// case); `Err` explains a miss or a clash.
pub fn find_account<'d>(
    discovery: &'d Discovery,
    account: &str,
) -> Result<&'d DiscoveredAccount, String> {
    if let Some(found) = discovery.accounts.iter().find(|a| a.id == account) {
        return Ok(found);
    }
    let exact: Vec<_> = discovery
        .accounts
        .iter()
        .filter(|a| a.name == account)
        .collect();
    let named = if exact.is_empty() {
        discovery
            .accounts
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case(account))
            .collect()
    } else {
        exact
    };
    match named.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "sso-session {} reaches no account with the id or name {account:?}",
            discovery.session
        )),
        several => Err(format!(
            "{} accounts are named {account:?}; use the id instead: {}",
            several.len(),
            several
                .iter()
                .map(|a| format!("{}/{}/ROLE", discovery.session, a.id))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

impl Session {
    /// Adds the profile `name` stands for when it is a `SESSION/ACCOUNT/ROLE` address and no
    /// profile of the file has that name; a discovery runs first when none is cached or the
    /// cached one lacks the role. Other names are left alone.
    pub async fn with_address(
        mut self,
        name: &str,
        events: &UnboundedSender<SessionEvent>,
    ) -> Result<Self, SessionError> {
        let Some(address) = Address::parse(name) else {
            return Ok(self);
        };
        if self.config.profile(name).is_some() || self.config.sso_session(address.session).is_none()
        {
            return Ok(self);
        }
        let cached = self.cached_discovery(address.session);
        let (account_id, role) = match cached.as_ref().and_then(|d| resolve(d, address).ok()) {
            Some(found) => found,
            None => {
                let fresh = self.discovery(address.session, true, None, events).await?;
                resolve(&fresh, address).map_err(|reason| SessionError::UnknownAddress {
                    address: name.to_owned(),
                    reason,
                })?
            }
        };
        let session = self.sso_session(address.session)?.clone();
        let config: &mut Config = Arc::make_mut(&mut self.config);
        let profile =
            Profile::discovered_sso_role(name, &config.path, &session, &account_id, &role);
        config.profiles.push(profile);
        Ok(self)
    }
}

impl Session {
    /// This session plus a profile for every role of `discovery` (named
    /// `SESSION/ACCOUNT_ID/ROLE`) that the file does not already have, replacing the
    /// discovered profiles of an earlier discovery of that sso-session.
    pub fn with_discovered(&self, discovery: &Discovery) -> Result<Session, SessionError> {
        let section = self.sso_session(&discovery.session)?.clone();
        let mut config: Config = (*self.config).clone();
        let prefix = format!("{}/", discovery.session);
        // Only profiles no file line stands behind (line 0 is never a header's).
        config
            .profiles
            .retain(|p| !(p.entries.is_empty() && p.name.starts_with(&prefix) && p.sso.is_some()));
        for account in &discovery.accounts {
            for role in &account.roles {
                let name = crate::config::discovered_name(&discovery.session, &account.id, role);
                if config.profile(&name).is_none() {
                    let profile = Profile::discovered_sso_role(
                        &name,
                        &config.path,
                        &section,
                        &account.id,
                        role,
                    );
                    config.profiles.push(profile);
                }
            }
        }
        Ok(self.over_config(config))
    }
}

/// (account id, role) of an address in one discovery.
fn resolve(discovery: &Discovery, address: Address<'_>) -> Result<(String, String), String> {
    let account = find_account(discovery, address.account)?;
    if !account.roles.iter().any(|role| role == address.role) {
        return Err(format!(
            "account {} ({}) has no role {:?} for this login; its roles: {}",
            account.name,
            account.id,
            address.role,
            account.roles.join(", ")
        ));
    }
    Ok((account.id.clone(), address.role.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discovery() -> Discovery {
        let account = |id: &str, name: &str| DiscoveredAccount {
            id: id.into(),
            name: name.into(),
            email: format!("{id}@example.test"),
            roles: vec!["Admin".into(), "ReadOnly".into()],
        };
        Discovery {
            session: "corp".into(),
            start_url: "https://d-1.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            fetched_at: chrono::Utc::now(),
            accounts: vec![
                account("111111111111", "prod"),
                account("222222222222", "shared"),
                account("333333333333", "shared"),
            ],
        }
    }

    #[test]
    fn addresses_have_three_parts() {
        assert_eq!(
            Address::parse("corp/prod/Admin"),
            Some(Address {
                session: "corp",
                account: "prod",
                role: "Admin"
            })
        );
        assert_eq!(Address::parse("corp/prod"), None);
        assert_eq!(Address::parse("corp//Admin"), None);
        assert_eq!(Address::parse("a/b/c/d"), None);
    }

    #[test]
    fn an_account_is_found_by_id_or_name() {
        let found = discovery();
        assert_eq!(find_account(&found, "prod").unwrap().id, "111111111111");
        assert_eq!(find_account(&found, "PROD").unwrap().id, "111111111111");
        assert_eq!(find_account(&found, "222222222222").unwrap().name, "shared");
        let missing = find_account(&found, "dev").unwrap_err();
        assert!(missing.contains("no account"), "{missing}");
    }

    #[test]
    fn a_shared_name_is_refused_with_the_ids_to_use() {
        let clash = find_account(&discovery(), "shared").unwrap_err();
        assert!(
            clash.contains("corp/222222222222/ROLE") && clash.contains("corp/333333333333/ROLE"),
            "{clash}"
        );
    }

    #[test]
    fn a_role_the_account_lacks_is_named_with_the_roles_it_has() {
        let address = Address::parse("corp/prod/Billing").unwrap();
        let error = resolve(&discovery(), address).unwrap_err();
        assert!(error.contains("Admin, ReadOnly"), "{error}");
        let address = Address::parse("corp/prod/Admin").unwrap();
        assert_eq!(
            resolve(&discovery(), address).unwrap(),
            ("111111111111".to_owned(), "Admin".to_owned())
        );
    }
}
