//! `runas detect URL`: which identity provider serves a URL, how that was decided and the
//! issuer it resolves to. Probe answers are cached for 24 hours so `list` and the TUI can show
//! them without touching the network.

use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use openidconnect::url::Url;
use serde::Serialize;

use super::args::DetectArgs;
use super::output::print_stdout;
use crate::cache::detection::DetectionCache;
use crate::cache::provider_metadata::ProviderMetadataCache;
use crate::idp::{self, Detection};
use crate::{cache, http};

#[derive(Debug, Serialize)]
struct DetectOutput<'a> {
    url: &'a str,
    #[serde(flatten)]
    detection: &'a Detection,
    /// Whether the answer came from the 24-hour detection cache.
    cached: bool,
}

pub fn run(args: &DetectArgs) -> anyhow::Result<ExitCode> {
    let url = Url::parse(args.url.trim()).with_context(|| {
        format!(
            "{:?} is not a URL (expected e.g. https://example.okta.com/oauth2/default)",
            args.url
        )
    })?;
    anyhow::ensure!(
        matches!(url.scheme(), "https" | "http"),
        "{url} is not an http(s) URL; an identity provider is reached over https"
    );
    let now = Utc::now();
    let mut cache = cache::dir()
        .ok()
        .and_then(|dir| DetectionCache::load(&dir).ok());
    let cached = match (&cache, args.refresh, args.provider) {
        (Some(cache), false, None) => cache.get(&url, now).cloned(),
        _ => None,
    };
    let (detection, from_cache) = match cached {
        Some(detection) => (detection, true),
        None => {
            let client = http::idp_client(http::REQUEST_TIMEOUT)?;
            let detection = super::runtime()?.block_on(idp::detect(&client, &url, args.provider));
            (detection, false)
        }
    };
    // --refresh means "ask the IdP again": the next login rediscovers too.
    // The registry keys documents by the parsed issuer URL without its trailing slash.
    if args.refresh
        && let Ok(dir) = cache::dir()
        && let Ok(issuer) = Url::parse(&detection.issuer_exact)
        && let Err(err) =
            ProviderMetadataCache::new(&dir).remove(issuer.as_str().trim_end_matches('/'))
    {
        eprintln!("runas: warning: cached discovery document not removed: {err}");
    }
    if !from_cache
        && args.provider.is_none()
        && let Some(cache) = cache.as_mut()
    {
        cache.put(&url, detection.clone(), now);
        // The answer is already in hand; a cache that cannot be written only costs a probe
        // next time, so it is reported, not fatal.
        if let Err(err) = cache.save() {
            eprintln!("runas: warning: detection not cached: {err}");
        }
    }
    let text = if args.json {
        let shown_url = idp::without_secrets(&url);
        let output = DetectOutput {
            url: shown_url.as_str(),
            detection: &detection,
            cached: from_cache,
        };
        format!("{}\n", serde_json::to_string_pretty(&output)?)
    } else {
        format!(
            "provider  {} ({}){}\nissuer    {} ({})\n",
            detection.provider.as_str(),
            detection.reason(),
            if from_cache { ", cached" } else { "" },
            detection.issuer_exact,
            detection.issuer_source,
        )
    };
    print_stdout(&text).context("cannot write to stdout")?;
    Ok(ExitCode::SUCCESS)
}
