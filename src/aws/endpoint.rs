//! Which URL an AWS call goes to, decided the way the AWS CLI and SDKs decide it (docs/ARCHITECTURE.md "AWS calls"):
//! `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `AWS_ENDPOINT_URL_STS`), then `AWS_ENDPOINT_URL`, then the
//! profile's `endpoint_url`, then the regional endpoint of the profile's region. A pure function: the environment is passed in, so
//! the tests (which rely on these variables to reach the loopback peers) and the TUI's "how was
//! this decided" both see the same answer. It reads no files and makes no calls.

use openidconnect::url::Url;

/// Environment variable that names an endpoint for STS alone.
pub const ENV_ENDPOINT_URL_STS: &str = "AWS_ENDPOINT_URL_STS";

/// The AWS services runas calls. Each has its own `AWS_ENDPOINT_URL_<SERVICE>` variable (the
/// service id upper-cased, spaces as underscores, as the SDKs define it) and regional host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Sts,
    /// IAM Identity Center OIDC (`CreateToken`, `CreateTokenWithIAM`, device authorization).
    SsoOidc,
    /// The IAM Identity Center portal (`GetRoleCredentials`).
    Sso,
    /// S3 Control (`GetDataAccess` of S3 Access Grants).
    S3Control,
}

impl Service {
    /// The service-specific endpoint variable.
    pub fn env_var(self) -> &'static str {
        match self {
            Service::Sts => ENV_ENDPOINT_URL_STS,
            Service::SsoOidc => "AWS_ENDPOINT_URL_SSO_OIDC",
            Service::Sso => "AWS_ENDPOINT_URL_SSO",
            Service::S3Control => "AWS_ENDPOINT_URL_S3_CONTROL",
        }
    }

    /// The first label(s) of the regional host name.
    fn host_prefix(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::SsoOidc => "oidc",
            Service::Sso => "portal.sso",
            Service::S3Control => "s3-control",
        }
    }

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Service::Sts => "STS",
            Service::SsoOidc => "IAM Identity Center OIDC",
            Service::Sso => "IAM Identity Center portal",
            Service::S3Control => "S3 Control",
        }
    }
}
/// Environment variable that names an endpoint for every AWS service.
pub const ENV_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// Environment variable that makes the SDKs ignore every configured endpoint.
pub const ENV_IGNORE_CONFIGURED_ENDPOINT_URLS: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

/// Where the chosen endpoint came from, for messages and the TUI's detail pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointSource {
    /// `AWS_ENDPOINT_URL_<SERVICE>`, e.g. `AWS_ENDPOINT_URL_STS`
    ServiceEnvironment,
    /// `AWS_ENDPOINT_URL`
    GlobalEnvironment,
    /// The profile's `endpoint_url` key.
    Profile,
    /// `https://{service host}.{region}.{partition suffix}`
    Regional,
}

/// An endpoint URL and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEndpoint {
    pub url: String,
    pub source: EndpointSource,
}

/// The STS endpoint (kept as its own name: most callers only ever need STS).
pub type StsEndpoint = ServiceEndpoint;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EndpointError {
    #[error("{origin} is not an http(s) URL: {value:?}")]
    NotHttpUrl { origin: &'static str, value: String },
    #[error("region {0:?} is not a valid AWS region name")]
    InvalidRegion(String),
}

/// The STS endpoint for `region`: [`resolve_endpoint`] for [`Service::Sts`].
pub fn resolve_sts_endpoint(
    region: &str,
    profile_endpoint_url: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<StsEndpoint, EndpointError> {
    resolve_endpoint(Service::Sts, region, profile_endpoint_url, env)
}

/// The endpoint of `service` for `region`, honouring the configured overrides in AWS order.
/// `env` looks up an environment variable (`|name| std::env::var(name).ok()` in production);
/// empty values count as unset, as they do in the AWS SDKs.
pub fn resolve_endpoint(
    service: Service,
    region: &str,
    profile_endpoint_url: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<ServiceEndpoint, EndpointError> {
    let set = |name: &str| {
        env(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let ignore_configured = set(ENV_IGNORE_CONFIGURED_ENDPOINT_URLS)
        .is_some_and(|value| value.eq_ignore_ascii_case("true"));
    if !ignore_configured {
        let configured = [
            (
                set(service.env_var()),
                EndpointSource::ServiceEnvironment,
                service.env_var(),
            ),
            (
                set(ENV_ENDPOINT_URL),
                EndpointSource::GlobalEnvironment,
                ENV_ENDPOINT_URL,
            ),
            (
                profile_endpoint_url
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned),
                EndpointSource::Profile,
                "profile endpoint_url",
            ),
        ];
        for (value, source, origin) in configured {
            if let Some(url) = value {
                return Ok(ServiceEndpoint {
                    url: checked_http_url(origin, url)?,
                    source,
                });
            }
        }
    }
    Ok(ServiceEndpoint {
        url: regional_url(service, region)?,
        source: EndpointSource::Regional,
    })
}

fn checked_http_url(origin: &'static str, value: String) -> Result<String, EndpointError> {
    match Url::parse(&value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(value),
        _ => Err(EndpointError::NotHttpUrl { origin, value }),
    }
}

/// `https://{service}.{region}.amazonaws.com`, or `.amazonaws.com.cn` in the China partition.
/// The region becomes part of a host name, so anything but a plain region name is refused.
fn regional_url(service: Service, region: &str) -> Result<String, EndpointError> {
    let plausible = !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if !plausible {
        return Err(EndpointError::InvalidRegion(region.to_owned()));
    }
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Ok(format!(
        "https://{}.{region}.{suffix}",
        service.host_prefix()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn regional_endpoint_when_nothing_is_configured() {
        let endpoint = resolve_sts_endpoint("eu-west-1", None, env_of(&[])).unwrap();
        assert_eq!(endpoint.url, "https://sts.eu-west-1.amazonaws.com");
        assert_eq!(endpoint.source, EndpointSource::Regional);
    }

    #[test]
    fn china_regions_use_the_china_partition_suffix() {
        let endpoint = resolve_sts_endpoint("cn-north-1", None, env_of(&[])).unwrap();
        assert_eq!(endpoint.url, "https://sts.cn-north-1.amazonaws.com.cn");
    }

    #[test]
    fn service_variable_beats_global_variable_and_profile() {
        let env = env_of(&[
            ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5001"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5002"),
        ]);
        let endpoint =
            resolve_sts_endpoint("eu-west-1", Some("http://127.0.0.1:5003"), env).unwrap();
        assert_eq!(endpoint.url, "http://127.0.0.1:5001");
        assert_eq!(endpoint.source, EndpointSource::ServiceEnvironment);
    }

    #[test]
    fn global_variable_beats_profile() {
        let env = env_of(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:5002")]);
        let endpoint =
            resolve_sts_endpoint("eu-west-1", Some("http://127.0.0.1:5003"), env).unwrap();
        assert_eq!(endpoint.url, "http://127.0.0.1:5002");
        assert_eq!(endpoint.source, EndpointSource::GlobalEnvironment);
    }

    #[test]
    fn profile_endpoint_beats_regional() {
        let endpoint = resolve_sts_endpoint(
            "eu-west-1",
            Some(" https://sts.internal.example "),
            env_of(&[]),
        )
        .unwrap();
        assert_eq!(endpoint.url, "https://sts.internal.example");
        assert_eq!(endpoint.source, EndpointSource::Profile);
    }

    #[test]
    fn empty_values_count_as_unset() {
        let env = env_of(&[("AWS_ENDPOINT_URL_STS", ""), ("AWS_ENDPOINT_URL", "  ")]);
        let endpoint = resolve_sts_endpoint("us-east-1", Some(""), env).unwrap();
        assert_eq!(endpoint.url, "https://sts.us-east-1.amazonaws.com");
    }

    #[test]
    fn ignore_configured_endpoint_urls_restores_the_regional_endpoint() {
        let env = env_of(&[
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
            ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5001"),
        ]);
        let endpoint =
            resolve_sts_endpoint("us-east-1", Some("http://127.0.0.1:5003"), env).unwrap();
        assert_eq!(endpoint.source, EndpointSource::Regional);
    }

    #[test]
    fn a_configured_value_that_is_not_an_http_url_is_an_error_naming_its_origin() {
        let env = env_of(&[("AWS_ENDPOINT_URL", "127.0.0.1:5000")]);
        let error = resolve_sts_endpoint("us-east-1", None, env).unwrap_err();
        assert!(
            error.to_string().starts_with("AWS_ENDPOINT_URL is not"),
            "{error}"
        );
        let error = resolve_sts_endpoint("us-east-1", Some("ftp://x"), env_of(&[])).unwrap_err();
        assert!(
            error.to_string().starts_with("profile endpoint_url"),
            "{error}"
        );
    }

    #[test]
    fn every_service_has_its_own_variable_and_regional_host() {
        let env = env_of(&[
            ("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:7001"),
            ("AWS_ENDPOINT_URL_S3_CONTROL", "http://127.0.0.1:7002"),
        ]);
        let oidc = resolve_endpoint(Service::SsoOidc, "eu-west-1", None, &env).unwrap();
        assert_eq!(oidc.url, "http://127.0.0.1:7001");
        let s3control = resolve_endpoint(Service::S3Control, "eu-west-1", None, &env).unwrap();
        assert_eq!(s3control.url, "http://127.0.0.1:7002");
        let sts = resolve_endpoint(Service::Sts, "eu-west-1", None, &env).unwrap();
        assert_eq!(sts.url, "https://sts.eu-west-1.amazonaws.com");
        let portal = resolve_endpoint(Service::Sso, "eu-west-1", None, &env).unwrap();
        assert_eq!(portal.url, "https://portal.sso.eu-west-1.amazonaws.com");
        assert_eq!(portal.source, EndpointSource::Regional);
    }

    #[test]
    fn a_region_that_would_change_the_host_name_is_refused() {
        for region in ["", "eu-west-1.evil.example", "EU-WEST-1", "-x", "a/b"] {
            assert_eq!(
                resolve_sts_endpoint(region, None, env_of(&[])),
                Err(EndpointError::InvalidRegion(region.to_owned())),
                "{region:?}"
            );
        }
    }
}
