//! The trusted-identity-propagation keys of a profile (docs/ARCHITECTURE.md "Trusted identity propagation"): `identity_center_*`,
//! `identity_enhanced_role_arn` and `s3_access_grants_*`, read into an [`IdentityCenter`] and
//! checked. These keys are the profile's own (never inherited: they name one application and
//! one role), and they only make sense on a profile that logs in with a web identity, since
//! the IdP's ID token is the assertion Identity Center exchanges. Nothing here resolves
//! regions or endpoints; the session does that with the profile's region as the default.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::types::{Entry, IssueSink, ProfileKind};
use super::values::{arn_parts, check_role_arn};

/// Every key this module reads, for "is any of them set".
const KEYS: [&str; 6] = [
    "identity_center_application_arn",
    "identity_center_region",
    "identity_enhanced_role_arn",
    "s3_access_grants_account_id",
    "s3_access_grants_target",
    "s3_access_grants_permission",
];

/// A profile's trusted-identity-propagation settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityCenter {
    /// `arn:aws:sso::ACCOUNT:application/ssoins-…/apl-…`: the client id of `CreateTokenWithIAM`.
    pub application_arn: String,
    /// `identity_center_region`; `None` means the profile's region.
    pub region: Option<String>,
    /// The role assumed with the identity context: its credentials are the profile's.
    pub role_arn: String,
    pub access_grants: AccessGrants,
}

/// The `s3_access_grants_*` keys, defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessGrants {
    /// `s3_access_grants_account_id`, else the account of `identity_enhanced_role_arn`.
    pub account_id: String,
    /// The target `runas s3ag PROFILE` asks for when no target is given.
    pub target: Option<String>,
    pub permission: GrantPermission,
}

/// The access an S3 Access Grants request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum GrantPermission {
    #[default]
    #[serde(rename = "READ")]
    Read,
    #[serde(rename = "WRITE")]
    Write,
    #[serde(rename = "READWRITE")]
    ReadWrite,
}

impl GrantPermission {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantPermission::Read => "READ",
            GrantPermission::Write => "WRITE",
            GrantPermission::ReadWrite => "READWRITE",
        }
    }
}

impl fmt::Display for GrantPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value is not READ, WRITE or READWRITE.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a permission; expected READ, WRITE or READWRITE")]
pub struct UnknownPermission(pub String);

impl FromStr for GrantPermission {
    type Err = UnknownPermission;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_uppercase().as_str() {
            "READ" => Ok(GrantPermission::Read),
            "WRITE" => Ok(GrantPermission::Write),
            "READWRITE" => Ok(GrantPermission::ReadWrite),
            _ => Err(UnknownPermission(value.to_owned())),
        }
    }
}

/// Whether a profile's own keys include any of this module's.
pub(super) fn is_configured(entries: &[Entry]) -> bool {
    entries
        .iter()
        .any(|entry| KEYS.contains(&entry.key.as_ref()))
}

/// Reads and checks the keys; `None` when none is set or they cannot work (errors say why).
pub(super) fn resolve(
    entries: &[Entry],
    kind: ProfileKind,
    header_line: usize,
    sink: &mut IssueSink<'_>,
) -> Option<IdentityCenter> {
    if !is_configured(entries) {
        return None;
    }
    let last = |key: &str| entries.iter().rev().find(|entry| entry.key == key);
    let first_line = entries
        .iter()
        .find(|entry| KEYS.contains(&entry.key.as_ref()))
        .map_or(header_line, |entry| entry.line);
    if !matches!(kind, ProfileKind::WebIdentity | ProfileKind::TokenFile) {
        sink.error(
            first_line,
            format!(
                "has identity_center_* / s3_access_grants_* keys but cannot log in (it is a {kind} \
                 profile); trusted identity propagation starts from a web-identity login, so add \
                 web_identity_auth_url, web_identity_client_id and role_arn (or \
                 web_identity_token_file and role_arn)"
            ),
        );
        return None;
    }

    let application_arn = match last("identity_center_application_arn") {
        Some(entry) => check_application_arn(&entry.value)
            .map_err(|message| sink.error(entry.line, message))
            .ok()
            .map(|()| entry.value.clone()),
        None => {
            sink.error(
                first_line,
                "missing identity_center_application_arn; expected the ARN of the Identity \
                 Center application that trusts this IdP, \
                 arn:aws:sso::ACCOUNT:application/ssoins-ID/apl-ID",
            );
            None
        }
    };
    let region = last("identity_center_region").and_then(|entry| {
        check_region(&entry.value)
            .map_err(|message| sink.error(entry.line, message))
            .ok()
            .map(|()| entry.value.clone())
    });
    let role_arn = match last("identity_enhanced_role_arn") {
        Some(entry) => check_role_arn("identity_enhanced_role_arn", &entry.value)
            .map_err(|message| sink.error(entry.line, message))
            .ok()
            .map(|()| entry.value.clone()),
        None => {
            sink.error(
                first_line,
                "missing identity_enhanced_role_arn; expected the role to assume with the \
                 Identity Center context, arn:aws:iam::ACCOUNT:role/NAME",
            );
            None
        }
    };
    let account_id = match last("s3_access_grants_account_id") {
        Some(entry) => check_account_id(&entry.value)
            .map_err(|message| sink.error(entry.line, message))
            .ok()
            .map(|()| entry.value.clone()),
        None => role_arn.as_deref().and_then(account_of_role),
    };
    let target = last("s3_access_grants_target").and_then(|entry| {
        check_target("s3_access_grants_target", &entry.value)
            .map_err(|message| sink.error(entry.line, message))
            .ok()
            .map(|()| entry.value.clone())
    });
    let permission = match last("s3_access_grants_permission") {
        None => GrantPermission::Read,
        Some(entry) => entry
            .value
            .parse()
            .unwrap_or_else(|error: UnknownPermission| {
                sink.error(entry.line, format!("s3_access_grants_permission = {error}"));
                GrantPermission::Read
            }),
    };

    Some(IdentityCenter {
        application_arn: application_arn?,
        region,
        role_arn: role_arn?,
        access_grants: AccessGrants {
            account_id: account_id?,
            target,
            permission,
        },
    })
}

/// `arn:<partition>:sso::<12 digits>:application/ssoins-<id>/apl-<id>`.
fn check_application_arn(value: &str) -> Result<(), String> {
    let bad = |why: &str| {
        format!(
            "identity_center_application_arn = {value:?} is not an Identity Center application \
             ARN ({why}); expected arn:aws:sso::123456789012:application/ssoins-ID/apl-ID"
        )
    };
    let Some(arn) = arn_parts(value) else {
        return Err(bad("too few `:`-separated parts"));
    };
    if arn.prefix != "arn" || !arn.partition.starts_with("aws") {
        return Err(bad("it must start with arn:aws"));
    }
    if arn.service != "sso" || !arn.region.is_empty() {
        return Err(bad("the service must be sso with an empty region"));
    }
    if check_account_id(arn.account).is_err() {
        return Err(bad("the account must be 12 digits"));
    }
    let id = |text: &str, prefix: &str| {
        text.strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric()))
    };
    match arn
        .resource
        .strip_prefix("application/")
        .map(|r| r.split('/'))
    {
        Some(mut ids) => match (ids.next(), ids.next(), ids.next()) {
            (Some(instance), Some(application), None)
                if id(instance, "ssoins-") && id(application, "apl-") =>
            {
                Ok(())
            }
            _ => Err(bad("the resource must be application/ssoins-ID/apl-ID")),
        },
        None => Err(bad("the resource must start with application/")),
    }
}

/// Twelve digits, as AWS writes account ids.
fn check_account_id(value: &str) -> Result<(), String> {
    if value.len() == 12 && value.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "s3_access_grants_account_id = {value:?} is not an AWS account id; expected 12 \
             digits such as 123456789012"
        ))
    }
}

fn account_of_role(role_arn: &str) -> Option<String> {
    super::values::arn_fields(role_arn)[4].map(str::to_owned)
}

/// A region name only: it becomes part of a host name.
fn check_region(value: &str) -> Result<(), String> {
    let plausible = !value.is_empty()
        && value.len() <= 32
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if plausible {
        Ok(())
    } else {
        Err(format!(
            "identity_center_region = {value:?} is not a region name; expected one like us-east-1"
        ))
    }
}

/// `s3://bucket` or `s3://bucket/prefix…` with an S3 bucket name. Also used for the target
/// given on the command line, hence the key name as a parameter.
pub fn check_target(key: &str, value: &str) -> Result<(), String> {
    let bad = |why: &str| {
        format!(
            "{key} = {value:?} is not an S3 target ({why}); expected s3://bucket or \
             s3://bucket/prefix/"
        )
    };
    let Some(rest) = value.strip_prefix("s3://") else {
        return Err(bad("it must start with s3://"));
    };
    let bucket = rest.split('/').next().unwrap_or_default();
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    if !bucket_ok {
        return Err(bad(
            "the bucket name must be 3 to 63 lowercase letters, digits, dots or hyphens",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_arns() {
        assert!(
            check_application_arn(
                "arn:aws:sso::123456789012:application/ssoins-7223a1b2c3d4e5f6/apl-0a1b2c3d4e5f6a7b"
            )
            .is_ok()
        );
        for bad in [
            "apl-0a1b2c3d4e5f6a7b",
            "arn:aws:iam::123456789012:application/ssoins-1/apl-2",
            "arn:aws:sso::1234:application/ssoins-1/apl-2",
            "arn:aws:sso::123456789012:application/apl-2",
            "arn:aws:sso::123456789012:instance/ssoins-1",
            "arn:aws:sso::123456789012:application/ssoins-1/apl-",
        ] {
            let error = check_application_arn(bad).unwrap_err();
            assert!(error.contains("expected arn:aws:sso::"), "{bad}: {error}");
        }
    }

    #[test]
    fn permissions_parse_in_any_case() {
        assert_eq!("read".parse(), Ok(GrantPermission::Read));
        assert_eq!("ReadWrite".parse(), Ok(GrantPermission::ReadWrite));
        assert_eq!(" WRITE ".parse(), Ok(GrantPermission::Write));
        let error = "ALL".parse::<GrantPermission>().unwrap_err();
        assert!(error.to_string().contains("READ, WRITE or READWRITE"));
    }

    #[test]
    fn a_complete_profile_with_defaults() {
        let config = crate::config::parse(
            std::path::Path::new("/cfg"),
            "[profile tip]\n\
             web_identity_auth_url = https://idp.example/\n\
             web_identity_client_id = runas-cli\n\
             role_arn = arn:aws:iam::123456789012:role/web\n\
             identity_center_application_arn = arn:aws:sso::123456789012:application/ssoins-7223a1b2c3d4e5f6/apl-0a1b2c3d4e5f6a7b\n\
             identity_enhanced_role_arn = arn:aws:iam::210987654321:role/enhanced\n\
             s3_access_grants_target = s3://reports/team-a/\n",
        );
        let profile = config.profile("tip").unwrap();
        assert!(profile.errors.is_empty(), "{:?}", profile.errors);
        let center = profile.identity_center.as_ref().unwrap();
        assert_eq!(center.region, None);
        assert_eq!(center.role_arn, "arn:aws:iam::210987654321:role/enhanced");
        assert_eq!(center.access_grants.account_id, "210987654321");
        assert_eq!(center.access_grants.permission, GrantPermission::Read);
        assert_eq!(
            center.access_grants.target.as_deref(),
            Some("s3://reports/team-a/")
        );
    }

    #[test]
    fn targets() {
        assert!(check_target("t", "s3://reports").is_ok());
        assert!(check_target("t", "s3://reports/team-a/").is_ok());
        assert!(check_target("t", "s3://reports/team-a/*").is_ok());
        assert!(
            check_target("t", "reports/team-a")
                .unwrap_err()
                .contains("s3://")
        );
        assert!(
            check_target("t", "s3://Reports/x")
                .unwrap_err()
                .contains("bucket name")
        );
        assert!(check_target("t", "s3:///x").is_err());
    }
}
