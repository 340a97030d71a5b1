//! Parsers for single values (durations, role ARNs, booleans, URLs). Each returns the typed
//! value or a lowercase message saying what is wrong and what is expected, ready to become a
//! [`super::ConfigIssue`]; none of them knows about lines, profiles or other keys.

use std::time::Duration;

use openidconnect::url::{Host, Url};

use super::memo::UrlMemo;

/// STS accepts role sessions from 15 minutes to 12 hours.
pub(super) const MIN_DURATION: Duration = Duration::from_secs(900);
pub(super) const MAX_DURATION: Duration = Duration::from_secs(43_200);

/// Values longer than this are cut in messages: a mistaken paste of a whole file must not
/// turn one error line into megabytes.
const SHOWN_VALUE_CHARS: usize = 80;

/// `value` quoted for a message; past [`SHOWN_VALUE_CHARS`] characters it is cut and its size
/// told, e.g. `"xxxx…" (1048576 bytes)`.
pub(super) fn shown(value: &str) -> String {
    match value.char_indices().nth(SHOWN_VALUE_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => {
            let quoted = format!("{:?}", &value[..cut]);
            let open = quoted.strip_suffix('"').unwrap_or(&quoted);
            format!("{open}…\" ({} bytes)", value.len())
        }
    }
}

/// Plain seconds (`3600`) or the aws-runas / Go spelling (`1h`, `90m`, `1h30m`, `3600s`).
pub(super) fn parse_duration(key: &str, value: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "{key} = {} is not a duration; expected seconds (3600) \
             or hours/minutes/seconds like 1h, 90m, 1h30m",
            shown(value)
        )
    };
    let mut total: u64 = 0;
    // The number being read, and whether any digit of it has been seen.
    let mut amount: Option<u64> = None;
    let mut saw_unit = false;
    for ch in value.trim().chars() {
        if let Some(digit) = ch.to_digit(10) {
            let so_far = amount.unwrap_or(0);
            amount = Some(
                so_far
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(u64::from(digit)))
                    .ok_or_else(bad)?,
            );
            continue;
        }
        let unit = match ch {
            'h' | 'H' => 3600,
            'm' | 'M' => 60,
            's' | 'S' => 1,
            _ => return Err(bad()),
        };
        let seconds = amount
            .take()
            .ok_or_else(bad)?
            .checked_mul(unit)
            .ok_or_else(bad)?;
        total = total.checked_add(seconds).ok_or_else(bad)?;
        saw_unit = true;
    }
    match (amount, saw_unit) {
        // Bare digits are seconds, but only on their own (`1h30` is a typo, not 1h30s).
        (Some(seconds), false) => total = seconds,
        (None, true) => {}
        _ => return Err(bad()),
    }
    let duration = Duration::from_secs(total);
    if !(MIN_DURATION..=MAX_DURATION).contains(&duration) {
        return Err(format!(
            "{key} = {} is {total} seconds; AWS accepts 900 to 43200 (15 minutes to 12 hours)",
            shown(value)
        ));
    }
    Ok(duration)
}

/// `arn:<partition>:iam::<12 digits>:role/<path/name>`.
pub(super) fn check_role_arn(key: &str, value: &str) -> Result<(), String> {
    let bad = |why: &str| {
        format!(
            "{key} = {} is not a role ARN ({why}); \
             expected arn:aws:iam::123456789012:role/NAME",
            shown(value)
        )
    };
    let Some(arn) = arn_parts(value) else {
        return Err(bad("too few `:`-separated parts"));
    };
    if arn.prefix != "arn" {
        return Err(bad("it must start with arn:"));
    }
    let partition_ok = arn.partition.starts_with("aws")
        && arn
            .partition
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte == b'-');
    if !partition_ok {
        return Err(bad("unknown partition"));
    }
    if arn.service != "iam" || !arn.region.is_empty() {
        return Err(bad("the service must be iam with an empty region"));
    }
    if arn.account.len() != 12 || !arn.account.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(bad("the account must be 12 digits"));
    }
    let Some(path_and_name) = arn.resource.strip_prefix("role/") else {
        return Err(bad("the resource must start with role/"));
    };
    let name = last_path_segment(path_and_name);
    // Bytes, not chars: every allowed character is ASCII, so any byte of a multi-byte
    // character fails as the character would.
    let allowed = |byte: u8| byte.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&byte);
    if name.is_empty() || name.len() > 64 || !path_and_name.bytes().all(allowed) {
        return Err(bad(
            "the role name must be 1 to 64 letters, digits or +=,.@_-",
        ));
    }
    Ok(())
}

/// `arn.splitn(6, ':')` as an array (`None` past the last field): partition, service, region,
/// account and resource after `arn`. A byte search: `:` is ASCII, and the char search behind
/// `splitn` cost more than the rest of checking an ARN, read for every profile.
pub fn arn_fields(arn: &str) -> [Option<&str>; 6] {
    let mut fields = [None; 6];
    let mut rest = Some(arn);
    for (index, field) in fields.iter_mut().enumerate() {
        let Some(text) = rest else { break };
        match memchr::memchr(b':', text.as_bytes()) {
            Some(at) if index + 1 < 6 => {
                *field = Some(&text[..at]);
                rest = Some(&text[at + 1..]);
            }
            _ => {
                *field = Some(text);
                rest = None;
            }
        }
    }
    fields
}

/// The six `:`-separated fields of an ARN, for the checks that need every one.
pub(super) struct ArnParts<'a> {
    /// `arn` in an ARN.
    pub prefix: &'a str,
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

/// All six fields of `text` ([`arn_fields`]), or `None` when it has fewer.
pub(super) fn arn_parts(text: &str) -> Option<ArnParts<'_>> {
    let [prefix, partition, service, region, account, resource] = arn_fields(text);
    Some(ArnParts {
        prefix: prefix?,
        partition: partition?,
        service: service?,
        region: region?,
        account: account?,
        resource: resource?,
    })
}

/// The text after the last `/` (all of it when there is none), as `rsplit('/').next()`.
pub fn last_path_segment(path: &str) -> &str {
    match memchr::memrchr(b'/', path.as_bytes()) {
        Some(at) => &path[at + 1..],
        None => path,
    }
}

/// `true`/`false` and the usual spellings of them.
pub(super) fn parse_bool(key: &str, value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(format!(
            "{key} = {} is not a boolean; expected true or false",
            shown(value)
        )),
    }
}

/// An absolute `http(s)://host...` URL.
pub(super) fn parse_http_url(key: &str, value: &str) -> Result<Url, String> {
    checked_http_url(key, value, Url::parse(value))
}

/// [`parse_http_url`] through `urls`.
pub(super) fn parse_http_url_with(
    urls: &mut UrlMemo,
    key: &str,
    value: &str,
) -> Result<Url, String> {
    checked_http_url(key, value, urls.parse(value))
}

/// `value` parsed as `parsed`, if it is an http(s) URL with a host.
fn checked_http_url(
    key: &str,
    value: &str,
    parsed: Result<Url, openidconnect::url::ParseError>,
) -> Result<Url, String> {
    let url = parsed.map_err(|error| {
        format!(
            "{key} = {} is not a URL ({error}); expected https://...",
            shown(value)
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "{key} = {} is not an http(s) URL; expected https://host/...",
            shown(value)
        ));
    }
    Ok(url)
}

/// An `https://` URL, or plain `http://` to a loopback host (a local IdP, the test peers):
/// for endpoints that carry tokens.
pub(super) fn parse_secure_url(key: &str, value: &str) -> Result<Url, String> {
    let url = parse_http_url(key, value)?;
    let loopback_host = match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(address)) => address.is_loopback(),
        Some(Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    };
    if url.scheme() == "http" && !loopback_host {
        return Err(format!(
            "{key} = {} must use https; plain http is allowed only on loopback hosts",
            shown(value)
        ));
    }
    Ok(url)
}

/// Whether a browser redirect to this URL can reach a listener runas binds on loopback:
/// plain http (runas serves no TLS) to 127.0.0.1, localhost or [::1].
pub(super) fn is_loopback_http(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(Host::Ipv4(address)) => address == std::net::Ipv4Addr::LOCALHOST,
            Some(Host::Ipv6(address)) => address == std::net::Ipv6Addr::LOCALHOST,
            None => false,
        }
}

#[cfg(test)]
mod tests {
    #[test]
    fn arn_fields_and_the_last_segment_split_as_the_standard_functions_do() {
        for text in [
            "",
            ":",
            "arn",
            "arn:aws",
            "arn:aws:iam::123456789012:role/a/b",
            "a:b:c:d:e:f:g:h",
            "::::::",
            "é:ü::日本:x:y/z",
            "arn:aws:iam::123:role",
            "/",
            "a/",
            "/b",
            "a/b/c",
        ] {
            let mut expected = [None; 6];
            for (slot, field) in expected.iter_mut().zip(text.splitn(6, ':')) {
                *slot = Some(field);
            }
            assert_eq!(super::arn_fields(text), expected, "{text:?}");
            let last = text.rsplit('/').next().unwrap_or_default();
            assert_eq!(super::last_path_segment(text), last, "{text:?}");
        }
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        assert_eq!(super::shown("arn:x"), "\"arn:x\"");
        let huge = "é".repeat(1 << 19);
        let message = super::check_role_arn("role_arn", &huge).unwrap_err();
        assert!(message.len() < 400, "{message}");
        assert!(
            message.contains(&format!("…\" ({} bytes)", 1 << 20)),
            "{message}"
        );
        assert!(
            message.starts_with(&format!("role_arn = \"{}…", "é".repeat(80))),
            "{message}"
        );
    }

    use super::*;

    #[test]
    fn durations_in_every_spelling() {
        let seconds = |v: &str| parse_duration("duration_seconds", v).map(|d| d.as_secs());
        assert_eq!(seconds("3600"), Ok(3600));
        assert_eq!(seconds("3600s"), Ok(3600));
        assert_eq!(seconds("1h"), Ok(3600));
        assert_eq!(seconds("90m"), Ok(5400));
        assert_eq!(seconds("1h30m"), Ok(5400));
        assert_eq!(seconds("12h"), Ok(43_200));
        assert_eq!(seconds("900"), Ok(900));
    }

    #[test]
    fn durations_out_of_range_or_unparseable_say_what_is_expected() {
        let err = parse_duration("duration_seconds", "60").unwrap_err();
        assert!(err.contains("900 to 43200"), "{err}");
        assert!(
            parse_duration("d", "13h")
                .unwrap_err()
                .contains("46800 seconds")
        );
        for bad in [
            "",
            "abc",
            "1h30",
            "h",
            "1.5h",
            "-1h",
            "99999999999999999999999h",
        ] {
            let err = parse_duration("duration_seconds", bad).unwrap_err();
            assert!(err.contains("expected seconds"), "{bad}: {err}");
        }
    }

    #[test]
    fn role_arns() {
        let check = |v: &str| check_role_arn("role_arn", v);
        assert!(check("arn:aws:iam::123456789012:role/dev-admin").is_ok());
        assert!(check("arn:aws-us-gov:iam::123456789012:role/path/to/Name+=,.@_-").is_ok());
        assert!(
            check("arn:aws:iam::12345:role/x")
                .unwrap_err()
                .contains("12 digits")
        );
        assert!(check("arn:aws:sts::123456789012:role/x").is_err());
        assert!(
            check("arn:aws:iam::123456789012:user/x")
                .unwrap_err()
                .contains("role/")
        );
        assert!(check("arn:aws:iam::123456789012:role/").is_err());
        assert!(check("arn:aws:iam::123456789012:role/a b").is_err());
        assert!(
            check("dev-admin")
                .unwrap_err()
                .contains("expected arn:aws:iam::")
        );
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("k", "FALSE"), Ok(false));
        assert_eq!(parse_bool("k", "yes"), Ok(true));
        assert!(
            parse_bool("k", "maybe")
                .unwrap_err()
                .contains("true or false")
        );
    }

    #[test]
    fn loopback_callbacks() {
        let url = |v: &str| Url::parse(v).unwrap();
        assert!(is_loopback_http(&url("http://127.0.0.1:8090/callback")));
        assert!(is_loopback_http(&url("http://localhost/callback")));
        assert!(is_loopback_http(&url("http://[::1]:9000/cb")));
        assert!(!is_loopback_http(&url("https://127.0.0.1:8090/callback")));
        assert!(!is_loopback_http(&url("http://10.0.0.1:8090/callback")));
        assert!(!is_loopback_http(&url("app:/callback")));
    }

    #[test]
    fn http_urls_only() {
        assert!(parse_http_url("u", "https://example.okta.com/oauth2/default").is_ok());
        assert!(parse_http_url("u", "example.okta.com").is_err());
        assert!(
            parse_http_url("u", "ftp://example.com")
                .unwrap_err()
                .contains("http(s)")
        );
    }
}
