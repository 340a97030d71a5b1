//! The hostname rules of identity-provider detection: hosted providers recognised by their
//! domain alone, so no network is needed. Pure functions only.

use crate::config::ProviderKind;

/// Domains owned by hosted providers, in the order docs/ARCHITECTURE.md "Identity-provider detection" lists them.
const HOSTED_DOMAINS: [(&str, ProviderKind); 6] = [
    ("okta.com", ProviderKind::Okta),
    ("oktapreview.com", ProviderKind::Okta),
    ("okta-emea.com", ProviderKind::Okta),
    ("microsoftonline.com", ProviderKind::AzureAd),
    ("microsoft.com", ProviderKind::AzureAd),
    ("onelogin.com", ProviderKind::OneLogin),
];

/// The provider whose domain `host` is in, with the matched domain.
///
/// The match is on a label boundary: `x.okta.com` and `okta.com` are Okta, `evilokta.com` is
/// not, since anyone can register a name that merely ends in the same letters.
pub(crate) fn provider_for_host(host: &str) -> Option<(ProviderKind, &'static str)> {
    // A fully qualified name may end in a dot; it names the same host.
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    HOSTED_DOMAINS
        .iter()
        .find(|(domain, _)| is_within_domain(&host, domain))
        .map(|&(domain, kind)| (kind, domain))
}

fn is_within_domain(host: &str, domain: &str) -> bool {
    match host.strip_suffix(domain) {
        Some("") => true,
        Some(prefix) => prefix.ends_with('.'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(host: &str) -> Option<ProviderKind> {
        provider_for_host(host).map(|(kind, _)| kind)
    }

    #[test]
    fn okta_domains_are_okta() {
        assert_eq!(kind("example.okta.com"), Some(ProviderKind::Okta));
        assert_eq!(kind("okta.com"), Some(ProviderKind::Okta));
        assert_eq!(kind("dev-123.oktapreview.com"), Some(ProviderKind::Okta));
        assert_eq!(kind("acme.okta-emea.com"), Some(ProviderKind::Okta));
    }

    #[test]
    fn microsoft_domains_are_entra() {
        assert_eq!(
            kind("login.microsoftonline.com"),
            Some(ProviderKind::AzureAd)
        );
        assert_eq!(kind("login.microsoft.com"), Some(ProviderKind::AzureAd));
        assert_eq!(kind("microsoft.com"), Some(ProviderKind::AzureAd));
    }

    #[test]
    fn onelogin_domains_are_onelogin() {
        assert_eq!(kind("acme.onelogin.com"), Some(ProviderKind::OneLogin));
    }

    #[test]
    fn matching_stops_at_a_label_boundary() {
        assert_eq!(kind("evilokta.com"), None);
        assert_eq!(kind("notmicrosoft.com"), None);
        assert_eq!(kind("fakeonelogin.com"), None);
        assert_eq!(kind("okta.com.attacker.net"), None);
        assert_eq!(kind("keycloak.example.org"), None);
    }

    #[test]
    fn case_and_a_trailing_dot_do_not_matter() {
        assert_eq!(kind("Example.OKTA.com"), Some(ProviderKind::Okta));
        assert_eq!(kind("example.okta.com."), Some(ProviderKind::Okta));
    }

    #[test]
    fn the_matched_domain_is_reported() {
        assert_eq!(
            provider_for_host("a.oktapreview.com"),
            Some((ProviderKind::Okta, "oktapreview.com"))
        );
        assert_eq!(
            provider_for_host("login.microsoftonline.com"),
            Some((ProviderKind::AzureAd, "microsoftonline.com"))
        );
    }
}
