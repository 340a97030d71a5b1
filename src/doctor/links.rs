//! The links that need no login: config, detection, discovery, issuer, JWKS, callback, device
//! endpoint, cache and STS. Each asks the code a login would run, one step at a time.

use chrono::Utc;
use openidconnect::url::Url;

use super::Link;
use super::port_holder::port_holder;
use crate::aws::EndpointSource;
use crate::cache::DetectionCache;
use crate::config::{Flow, Profile, ProfileKind, WebIdentity};
use crate::http;
use crate::idp;
use crate::idp::callback::{CallbackError, CallbackListener};
use crate::idp::flow::checkup;
use crate::session::Session;

pub(super) async fn check(session: &Session, name: &str, out: &mut Vec<Link>) {
    let profile = match session.profile(name) {
        Ok(profile) => profile,
        Err(err) => {
            out.push(Link::fail(
                "config",
                err.to_string(),
                "add the profile to the config file, or pick one from `runas list`",
            ));
            return;
        }
    };
    let root = session.chain_root(profile);
    for each in [profile, root] {
        if let Some(issue) = each.errors.first() {
            out.push(Link::fail(
                "config",
                issue.to_string(),
                "correct that line; `runas list` shows every problem of the file",
            ));
            return;
        }
        if each.name == root.name {
            break;
        }
    }
    out.push(Link::pass("config", config_detail(profile, root)));
    let http = match http::idp_client(http::REQUEST_TIMEOUT) {
        Ok(http) => http,
        Err(err) => {
            out.push(Link::fail(
                "http",
                err.to_string(),
                "a bug in runas: report it",
            ));
            return;
        }
    };
    match (root.kind, &root.web_identity) {
        (ProfileKind::WebIdentity, Some(web)) => idp_links(session, root, web, &http, out).await,
        (ProfileKind::TokenFile, _) => match session.web_identity_facts(root).await {
            Ok(Some(facts)) => out.push(Link::pass(
                "token",
                format!("workload token issued by {} for {}", facts.issuer, facts.audience),
            )),
            Ok(None) => out.push(Link::fail(
                "token",
                "the workload token has no iss or aud claim",
                "the platform must hand over an OIDC ID token (a JWT with iss and aud)",
            )),
            Err(err) => out.push(Link::fail(
                "token",
                err.to_string(),
                "check web_identity_token_file / web_identity_token_env and that the platform wrote the token",
            )),
        },
        _ => {}
    }
    cache_link(session, profile, root, out);
    sts_link(session, profile, &http, out).await;
}

fn config_detail(profile: &Profile, root: &Profile) -> String {
    let mut detail = format!(
        "{}:{} profile {} ({})",
        profile.file.display(),
        profile.line,
        profile.name,
        profile.kind
    );
    if root.name != profile.name {
        detail.push_str(&format!(", chain from {} ({})", root.name, root.kind));
    }
    let warnings = profile.warnings.len() + root.warnings.len();
    if warnings > 0 {
        detail.push_str(&format!(", {warnings} warning(s) in `runas list`"));
    }
    detail
}

async fn idp_links(
    session: &Session,
    root: &Profile,
    web: &WebIdentity,
    http: &http::reqwest::Client,
    out: &mut Vec<Link>,
) {
    let where_url = format!(
        "web_identity_auth_url ({})",
        key_location(session, root, "web_identity_auth_url")
    );
    // The issuer a login would use: config, hostname, cached detection, else a probe (whose
    // answer is cached, so the detection below reads it instead of probing again).
    let issuer = match session.web_identity_facts(root).await {
        Ok(Some(facts)) => facts.issuer,
        _ => idp::issuer_text(&idp::normalize_issuer(
            web.provider.unwrap_or(crate::config::ProviderKind::Oidc),
            &web.auth_url,
        )),
    };
    let detection = match idp::detect_offline(&web.auth_url, web.provider) {
        Some((provider, method)) => format!("{} ({})", provider.as_str(), method_text(&method)),
        None => {
            let cached = DetectionCache::load(session.store().dir())
                .ok()
                .and_then(|cache| cache.get(&web.auth_url, Utc::now()).cloned());
            let detected = match cached {
                Some(detected) => detected,
                None => idp::detect(http, &web.auth_url, None).await,
            };
            format!("{} ({})", detected.provider.as_str(), detected.reason())
        }
    };
    out.push(Link::pass(
        "detection",
        format!("{detection}; issuer {issuer}"),
    ));
    let Ok(issuer_url) = Url::parse(&issuer) else {
        out.push(Link::fail(
            "discovery",
            format!("{issuer} is not a URL"),
            format!("correct {where_url}"),
        ));
        return;
    };
    let fetched = match checkup::fetch_discovery(http, &issuer_url).await {
        Ok(fetched) => fetched,
        Err(err) => {
            out.push(Link::fail(
                "discovery",
                err.to_string(),
                format!(
                    "check that the IdP is up and {where_url} names it: \
                     {issuer}/.well-known/openid-configuration must answer"
                ),
            ));
            return;
        }
    };
    out.push(Link::pass(
        "discovery",
        format!("{issuer}/.well-known/openid-configuration answered"),
    ));
    let checked = match checkup::check_discovery(&fetched) {
        Ok(checked) => checked,
        Err(err) => {
            let (name, fix) = match &fetched.published_issuer {
                Some(published) if published.trim_end_matches('/') != fetched.requested => (
                    "issuer",
                    format!(
                        "make them identical: set {where_url} to {published}, or the IdP's \
                         issuer (its public URL setting) to {issuer}"
                    ),
                ),
                _ => (
                    "discovery",
                    "the IdP's discovery document must name https endpoints and a \
                     token_endpoint: check its configuration"
                        .to_owned(),
                ),
            };
            out.push(Link::fail(name, err.to_string(), fix));
            return;
        }
    };
    out.push(Link::pass(
        "issuer",
        format!("discovery's issuer is {} as expected", checked.issuer),
    ));
    match checkup::signing_keys(http, &checked.jwks_uri).await {
        Ok(0) => out.push(Link::fail(
            "jwks",
            format!("{} has no signing key", checked.jwks_uri),
            "the IdP must publish the key that signs its ID tokens there: check its signing \
             keys (realm keys, key rotation)",
        )),
        Ok(count) => out.push(Link::pass(
            "jwks",
            format!("{} has {count} signing key(s)", checked.jwks_uri),
        )),
        Err(err) => out.push(Link::fail(
            "jwks",
            err.to_string(),
            "the jwks_uri of the discovery document must answer with a JSON key set",
        )),
    }
    let device = web.flow == Flow::Device || web.device_only.is_some() || web.callback.is_none();
    if device {
        match checked
            .device_authorization_endpoint
            .as_deref()
            .or(web.device_authorization_url.as_ref().map(Url::as_str))
        {
            Some(endpoint) => out.push(Link::pass("device", format!("device flow: {endpoint}"))),
            None => out.push(Link::fail(
                "device",
                "the profile logs in with the device flow, but discovery names no \
                 device_authorization_endpoint",
                "enable the device grant for the client on the IdP, or set \
                 web_identity_device_authorization_url",
            )),
        }
    } else if let Some(callback) = &web.callback {
        out.push(callback_link(&callback.uri).await);
    }
}

/// `FILE:LINE` of the line that gives `profile` its `key`: its own, else the nearest profile it
/// inherits web-identity keys from (its `source_profile` chain, then `[default]`).
fn key_location(session: &Session, profile: &Profile, key: &str) -> String {
    let config = session.config();
    let mut current = Some(profile);
    let mut seen = 0;
    while let Some(each) = current {
        if let Some(entry) = each.get(key) {
            return format!("{}:{}", each.file.display(), entry.line);
        }
        seen += 1;
        // Bounded: a source_profile loop must not spin.
        current = each
            .source_profile
            .as_deref()
            .filter(|_| seen < config.profiles.len())
            .and_then(|name| config.profile(name));
    }
    match config
        .profile("default")
        .and_then(|default| default.get(key).map(|e| (default, e)))
    {
        Some((default, entry)) => format!("{}:{}", default.file.display(), entry.line),
        None => format!("{}:{}", profile.file.display(), profile.line),
    }
}

fn method_text(method: &idp::DetectionMethod) -> String {
    match method {
        idp::DetectionMethod::Configured => "web_identity_provider".to_owned(),
        idp::DetectionMethod::Hostname { suffix } => format!("hostname ends in {suffix}"),
        other => format!("{other:?}"),
    }
}

/// The callback must be loopback http and its port free right now.
async fn callback_link(uri: &Url) -> Link {
    match CallbackListener::bind(uri).await {
        // Dropping the listener frees the port at once.
        Ok(listener) => Link::pass(
            "callback",
            format!(
                "{uri}: loopback, port {} free",
                listener.local_addr().port()
            ),
        ),
        Err(CallbackError::PortInUse { port, .. }) => {
            let holder = port_holder(port)
                .map(|holder| format!(" by {holder}"))
                .unwrap_or_default();
            Link::fail(
                "callback",
                format!("{uri}: port {port} is taken{holder}"),
                "stop that program, or choose another port in web_identity_callback_uri and \
                 register it with the IdP",
            )
        }
        Err(err) => Link::fail(
            "callback",
            err.to_string(),
            "use a loopback callback (http://127.0.0.1:PORT/callback) registered with the IdP",
        ),
    }
}

fn cache_link(session: &Session, profile: &Profile, root: &Profile, out: &mut Vec<Link>) {
    let now = Utc::now();
    let mut parts = Vec::new();
    if root.kind == ProfileKind::WebIdentity {
        match session.cached_tokens(root) {
            Some(entry) => {
                let state = if entry.id_token_valid(now, chrono::Duration::zero()) {
                    format!(
                        "ID token until {}",
                        entry.id_token_expires_at.format("%H:%M UTC")
                    )
                } else {
                    "ID token expired".to_owned()
                };
                let refresh = if entry.refresh_token.is_some() {
                    ", refresh token"
                } else {
                    ""
                };
                parts.push(format!("{state}{refresh}"));
            }
            None => parts.push("no ID token (a login will run)".to_owned()),
        }
    }
    match session.store().credentials(&profile.name) {
        Ok(Some(entry)) if entry.is_fresh(now) => parts.push(format!(
            "credentials until {}",
            entry.credentials.expiration.format("%H:%M UTC")
        )),
        Ok(Some(_)) => parts.push("credentials expired".to_owned()),
        Ok(None) => parts.push("no credentials".to_owned()),
        Err(err) => parts.push(format!("cache unreadable ({err}): a login will run")),
    }
    out.push(Link::pass("cache", parts.join("; ")));
}

async fn sts_link(
    session: &Session,
    profile: &Profile,
    http: &http::reqwest::Client,
    out: &mut Vec<Link>,
) {
    if matches!(
        profile.kind,
        ProfileKind::Sso | ProfileKind::Static | ProfileKind::Other
    ) {
        return;
    }
    let (region, endpoint) = match session.sts_endpoint(profile) {
        Ok(found) => found,
        Err(err) => {
            out.push(Link::fail(
                "sts",
                err.to_string(),
                "correct the profile's region or endpoint_url",
            ));
            return;
        }
    };
    // Any HTTP answer proves the endpoint is reachable; STS answers an unsigned GET with an
    // error document, which is fine here.
    match http.get(&endpoint.url).send().await {
        Ok(_) => out.push(Link::pass(
            "sts",
            format!(
                "{} reachable (region {region}, {})",
                endpoint.url,
                source_text(endpoint.source)
            ),
        )),
        Err(err) => out.push(Link::fail(
            "sts",
            format!("{} unreachable: {}", endpoint.url, http::error_chain(&err)),
            "check the network, and AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL / the profile's \
             endpoint_url and region, which choose this endpoint",
        )),
    }
}

fn source_text(source: EndpointSource) -> &'static str {
    match source {
        EndpointSource::ServiceEnvironment => "from AWS_ENDPOINT_URL_STS",
        EndpointSource::GlobalEnvironment => "from AWS_ENDPOINT_URL",
        EndpointSource::Profile => "from the profile's endpoint_url",
        EndpointSource::Regional => "the regional endpoint",
    }
}
