//! From a profile (and the profiles its `source_profile` chain passes through) to the IAM
//! resources it needs: the OIDC provider of its issuer, each role with its trust policy and the
//! permissions the previous link needs to reach it, and the Identity Center settings of a
//! trusted-identity-propagation profile.

use std::collections::HashSet;

use super::{SetupError, issuer_host_path};
use crate::config::{Config, Profile, ProfileKind};

/// The shortest role session IAM allows as a role's maximum, and the longest.
const MIN_MAX_SESSION: u64 = 3600;
const MAX_MAX_SESSION: u64 = 12 * 3600;

/// Everything the AWS side needs for one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub profile: String,
    pub description: String,
    pub oidc_provider: Option<OidcProviderPlan>,
    /// In chain order: the role the web identity assumes first.
    pub roles: Vec<RolePlan>,
    pub identity_center: Option<IdentityCenterNotes>,
    /// What else a person must do, in sentences (template comments, `notes` in JSON).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProviderPlan {
    /// `https://` + host and path, as `CreateOpenIDConnectProvider` takes it.
    pub url: String,
    /// Host and path: the condition-key prefix and the end of the provider's ARN.
    pub host_path: String,
    pub client_ids: Vec<String>,
}

/// Who a role trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The plan's OIDC provider, for `sts:AssumeRoleWithWebIdentity` with these conditions.
    WebIdentity {
        audience: String,
        subject: Option<String>,
    },
    /// An earlier role of the plan (its index), for `sts:AssumeRole`.
    Role(usize),
    /// A role outside the plan, by ARN.
    RoleArn(String),
    /// The account's root: any principal of the account its IAM policies allow.
    AccountRoot,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePlan {
    /// A CloudFormation logical id derived from the role name.
    pub logical_id: String,
    pub arn: String,
    pub partition: String,
    pub account: String,
    pub path: String,
    pub name: String,
    pub max_session_seconds: u64,
    pub trusted: Principal,
    /// Extra actions the trust allows beside the main one (`sts:SetContext`).
    pub also_allow: Vec<String>,
    pub external_id: Option<String>,
    /// Identity-policy statements as (action, resource ARN); a `Role(i)` resource is written
    /// as that role's ARN.
    pub allows: Vec<(String, Resource)>,
    /// The profile the role belongs to.
    pub profile: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    Role(usize),
    Arn(String),
}

/// The Identity Center side of trusted identity propagation: entered in the console or with
/// `aws sso-admin`, not IAM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityCenterNotes {
    pub application_arn: String,
    pub trusted_token_issuer_url: String,
    pub audience: String,
}

/// The web identity a profile's chain starts with: the issuer a login would use and the
/// audience of its tokens (the client id, or a workload token's `aud`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebIdentityFacts {
    pub issuer: String,
    pub audience: String,
}

/// The plan for profile `name` of `config`. `identity` is `None` when the root of the chain
/// has no web identity or it could not be learned; `subject` pins the role to one `sub`.
pub fn plan(
    config: &Config,
    name: &str,
    identity: Option<&WebIdentityFacts>,
    subject: Option<&str>,
) -> Result<Plan, SetupError> {
    let chain = chain(config, name)?;
    let (root, links) = chain
        .split_first()
        .ok_or_else(|| SetupError::UnknownProfile {
            name: name.to_owned(),
            file: config.path.clone(),
        })?;
    let unsupported = |profile: &Profile, reason: &str| SetupError::Unsupported {
        name: profile.name.clone(),
        file: profile.file.clone(),
        line: profile.line,
        reason: reason.to_owned(),
    };
    let mut plan = Plan {
        profile: name.to_owned(),
        description: format!("IAM side of the runas profile {name}"),
        oidc_provider: None,
        roles: Vec::new(),
        identity_center: None,
        notes: Vec::new(),
    };
    match root.kind {
        ProfileKind::Sso => return Ok(sso::sso_plan(root, name)),
        ProfileKind::WebIdentity | ProfileKind::TokenFile => {
            let facts = identity.ok_or_else(|| {
                unsupported(
                    root,
                    "its issuer and audience are not known (no readable token)",
                )
            })?;
            let audience = facts.audience.clone();
            web_identity_root(&mut plan, root, &facts.issuer, audience, subject)?;
        }
        ProfileKind::Static | ProfileKind::Process | ProfileKind::Chained => {
            if links.is_empty() {
                return Err(unsupported(
                    root,
                    "has no role to set up (long-term keys or a credential_process)",
                ));
            }
            plan.notes.push(format!(
                "The first role trusts its account's root: allow the principal of profile {} to \
                 call sts:AssumeRole on it in that principal's own IAM policy.",
                root.name
            ));
        }
        ProfileKind::Other => {
            return Err(unsupported(
                root,
                "has no role_arn, web identity or sso keys",
            ));
        }
    }
    for link in links {
        let trusted = match plan.roles.len() {
            0 => Principal::AccountRoot,
            n => Principal::Role(n - 1),
        };
        let role = role_plan(link, trusted)?;
        let next = plan.roles.len();
        if let Some(previous) = plan.roles.last_mut() {
            previous
                .allows
                .push(("sts:AssumeRole".to_owned(), Resource::Role(next)));
        }
        plan.roles.push(role);
    }
    dedupe_notes(&mut plan);
    Ok(plan)
}

/// `name`, its source, its source's source…, root first.
fn chain<'a>(config: &'a Config, name: &str) -> Result<Vec<&'a Profile>, SetupError> {
    let mut seen = HashSet::new();
    let mut chain = Vec::new();
    let mut next = Some(name.to_owned());
    while let Some(current) = next {
        if !seen.insert(current.clone()) {
            return Err(SetupError::Loop {
                name: name.to_owned(),
                again: current,
            });
        }
        let profile = config
            .profile(&current)
            .ok_or_else(|| SetupError::UnknownProfile {
                name: current.clone(),
                file: config.path.clone(),
            })?;
        chain.push(profile);
        next = match profile.kind {
            ProfileKind::Chained => profile.source_profile.clone(),
            _ => None,
        };
    }
    chain.reverse();
    Ok(chain)
}

fn web_identity_root(
    plan: &mut Plan,
    root: &Profile,
    issuer: &str,
    audience: String,
    subject: Option<&str>,
) -> Result<(), SetupError> {
    let host_path = issuer_host_path(issuer);
    let url = if issuer.starts_with("http://") {
        plan.notes.push(format!(
            "IAM accepts only https issuers; {issuer} is plain http (a test IdP?)."
        ));
        format!("http://{host_path}")
    } else {
        format!("https://{host_path}")
    };
    plan.oidc_provider = Some(OidcProviderPlan {
        url,
        host_path,
        client_ids: vec![audience.clone()],
    });
    plan.notes.push(
        "No ThumbprintList: IAM verifies the IdP's TLS certificate against its trusted root \
         CAs and needs a thumbprint only for an IdP whose certificate none of them signs; add \
         one then (aws iam update-open-id-connect-provider-thumbprint)."
            .to_owned(),
    );
    if subject.is_none() {
        plan.notes.push(format!(
            "The role trusts every user the IdP issues tokens for with audience {audience}; \
             `runas setup {} --subject SUB` pins it to one user.",
            plan.profile
        ));
    }
    let trusted = Principal::WebIdentity {
        audience: audience.clone(),
        subject: subject.map(str::to_owned),
    };
    let mut role = role_plan(root, trusted)?;
    if let Some(center) = &root.identity_center {
        role.allows.push((
            "sso-oauth:CreateTokenWithIAM".to_owned(),
            Resource::Arn(center.application_arn.clone()),
        ));
        plan.roles.push(role);
        let mut enhanced = role_plan(root, Principal::Role(0))?;
        let (partition, account, path, name) =
            split_role_arn(&center.role_arn).ok_or_else(|| SetupError::BadRoleArn {
                name: root.name.clone(),
                file: root.file.clone(),
                line: root
                    .get("identity_enhanced_role_arn")
                    .map_or(root.line, |e| e.line),
                arn: center.role_arn.clone(),
            })?;
        enhanced.arn = center.role_arn.clone();
        enhanced.logical_id = logical_id(&name);
        (
            enhanced.partition,
            enhanced.account,
            enhanced.path,
            enhanced.name,
        ) = (partition, account, path, name);
        enhanced.also_allow = vec!["sts:SetContext".to_owned()];
        enhanced.external_id = None;
        let region = center
            .region
            .clone()
            .or_else(|| root.region.clone())
            .unwrap_or_else(|| "us-east-1".to_owned());
        enhanced.allows.push((
            "s3:GetDataAccess".to_owned(),
            Resource::Arn(format!(
                "arn:{}:s3:{region}:{}:access-grants/default",
                enhanced.partition, center.access_grants.account_id
            )),
        ));
        plan.roles[0]
            .allows
            .push(("sts:AssumeRole".to_owned(), Resource::Role(1)));
        plan.roles.push(enhanced);
        plan.identity_center = Some(IdentityCenterNotes {
            application_arn: center.application_arn.clone(),
            trusted_token_issuer_url: issuer.trim_end_matches('/').to_owned(),
            audience,
        });
        plan.notes.push(
            "Identity Center (not IAM): add a trusted token issuer with the issuer URL below \
             and the claim that names your users (email) mapped to their Identity Center \
             attribute; on the customer managed application, allow that issuer with audience \
             = the client id below, grant urn:ietf:params:oauth:grant-type:jwt-bearer, and add \
             an application policy letting the bootstrap role call CreateTokenWithIAM."
                .to_owned(),
        );
    } else {
        plan.roles.push(role);
    }
    Ok(())
}

fn role_plan(profile: &Profile, trusted: Principal) -> Result<RolePlan, SetupError> {
    let arn = profile
        .role_arn
        .clone()
        .ok_or_else(|| SetupError::Unsupported {
            name: profile.name.clone(),
            file: profile.file.clone(),
            line: profile.line,
            reason: "has no role_arn".to_owned(),
        })?;
    let (partition, account, path, name) =
        split_role_arn(&arn).ok_or_else(|| SetupError::BadRoleArn {
            name: profile.name.clone(),
            file: profile.file.clone(),
            line: profile.get("role_arn").map_or(profile.line, |e| e.line),
            arn: arn.clone(),
        })?;
    let wanted = profile.duration.map_or(MIN_MAX_SESSION, |d| d.as_secs());
    Ok(RolePlan {
        logical_id: logical_id(&name),
        arn,
        partition,
        account,
        path,
        name,
        max_session_seconds: wanted.clamp(MIN_MAX_SESSION, MAX_MAX_SESSION),
        trusted,
        also_allow: Vec::new(),
        external_id: profile.external_id.clone(),
        allows: Vec::new(),
        profile: profile.name.clone(),
    })
}

/// `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME` → (partition, account, `/PATH/`, name).
pub(crate) fn split_role_arn(arn: &str) -> Option<(String, String, String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let rest = resource.strip_prefix("role/")?;
    let (path, name) = match rest.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name),
        None => ("/".to_owned(), rest),
    };
    (!name.is_empty() && !account.is_empty()).then(|| {
        (
            partition.to_owned(),
            account.to_owned(),
            path,
            name.to_owned(),
        )
    })
}

/// CloudFormation logical ids are alphanumeric.
fn logical_id(role_name: &str) -> String {
    let cleaned: String = role_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("Role{cleaned}")
}

/// Two roles of one chain may add the same sentence.
fn dedupe_notes(plan: &mut Plan) {
    let mut seen = HashSet::new();
    plan.notes.retain(|note| seen.insert(note.clone()));
}

mod sso;

#[cfg(test)]
mod tests;
