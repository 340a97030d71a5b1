//! The identity-provider vocabulary shared by `config` (the `web_identity_provider` key) and
//! `idp` (detection). It lives here because data flows config → idp, never back.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The identity providers runas knows how to normalise. Every one of them is driven through
/// standard OIDC discovery; the kind only decides how `web_identity_auth_url` maps to an issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Okta,
    #[serde(rename = "azuread")]
    AzureAd,
    Keycloak,
    #[serde(rename = "forgerock")]
    ForgeRock,
    #[serde(rename = "onelogin")]
    OneLogin,
    Oidc,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 6] = [
        ProviderKind::Okta,
        ProviderKind::AzureAd,
        ProviderKind::Keycloak,
        ProviderKind::ForgeRock,
        ProviderKind::OneLogin,
        ProviderKind::Oidc,
    ];

    /// The spelling used in config files, JSON output and the TUI badge.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Okta => "okta",
            ProviderKind::AzureAd => "azuread",
            ProviderKind::Keycloak => "keycloak",
            ProviderKind::ForgeRock => "forgerock",
            ProviderKind::OneLogin => "onelogin",
            ProviderKind::Oidc => "oidc",
        }
    }

    /// A human name for messages and the detail pane.
    pub fn display_name(self) -> &'static str {
        match self {
            ProviderKind::Okta => "Okta",
            ProviderKind::AzureAd => "Entra ID",
            ProviderKind::Keycloak => "Keycloak",
            ProviderKind::ForgeRock => "ForgeRock",
            ProviderKind::OneLogin => "OneLogin",
            ProviderKind::Oidc => "generic OIDC",
        }
    }

    /// The accepted spellings, for "unknown provider" errors.
    pub fn valid_names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name was none of [`ProviderKind::valid_names`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown provider {given:?}; valid providers are {}",
    ProviderKind::valid_names()
)]
pub struct UnknownProvider {
    pub given: String,
}

impl FromStr for ProviderKind {
    type Err = UnknownProvider;

    /// Case-insensitive. Accepts the aws-runas aliases `entra`/`entraid`/`azure` for Entra ID
    /// and `generic` for plain OIDC, since people write those too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "okta" => Ok(ProviderKind::Okta),
            "azuread" | "azure" | "entra" | "entraid" | "entra_id" => Ok(ProviderKind::AzureAd),
            "keycloak" => Ok(ProviderKind::Keycloak),
            "forgerock" => Ok(ProviderKind::ForgeRock),
            "onelogin" => Ok(ProviderKind::OneLogin),
            "oidc" | "generic" => Ok(ProviderKind::Oidc),
            _ => Err(UnknownProvider {
                given: s.trim().to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_spelling() {
        for kind in ProviderKind::ALL {
            assert_eq!(kind.as_str().parse::<ProviderKind>(), Ok(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let err = "pingfed".parse::<ProviderKind>().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("\"pingfed\""), "{text}");
        assert!(
            text.contains("okta, azuread, keycloak, forgerock, onelogin, oidc"),
            "{text}"
        );
    }

    #[test]
    fn parsing_ignores_case_and_whitespace() {
        assert_eq!(" Okta ".parse::<ProviderKind>(), Ok(ProviderKind::Okta));
        assert_eq!("AzureAD".parse::<ProviderKind>(), Ok(ProviderKind::AzureAd));
    }
}
