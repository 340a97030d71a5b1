//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! The console sign-in URL per partition, the endpoint override, SessionDuration's rule and
//! what a refusal may show.

use super::*;

#[test]
fn partitions_come_from_the_role_arn() {
    assert_eq!(
        Partition::from_arn("arn:aws:iam::123456789012:role/a"),
        Some(Partition::Aws)
    );
    assert_eq!(
        Partition::from_arn("arn:aws-us-gov:iam::123456789012:role/a"),
        Some(Partition::AwsUsGov)
    );
    assert_eq!(
        Partition::from_arn("arn:aws-cn:iam::123456789012:role/a"),
        Some(Partition::AwsCn)
    );
    assert_eq!(Partition::from_arn("arn:aws-iso:iam::1:role/a"), None);
    assert_eq!(Partition::from_arn("not-an-arn"), None);
}

#[test]
fn each_partition_signs_in_and_lands_on_its_own_hosts() {
    let cases = [
        (
            Partition::Aws,
            "https://signin.aws.amazon.com/federation",
            "https://console.aws.amazon.com/s3/home?region=eu-west-1",
        ),
        (
            Partition::AwsUsGov,
            "https://signin.amazonaws-us-gov.com/federation",
            "https://console.amazonaws-us-gov.com/s3/home?region=eu-west-1",
        ),
        (
            Partition::AwsCn,
            "https://signin.amazonaws.cn/federation",
            "https://console.amazonaws.cn/s3/home?region=eu-west-1",
        ),
    ];
    for (partition, signin, console) in cases {
        let endpoint = endpoint(partition, None).unwrap();
        assert_eq!(endpoint.as_str(), signin);
        let destination =
            destination_url(partition, "eu-west-1", &Destination::Service("s3".into())).unwrap();
        assert_eq!(destination, console);
        let url = login_url(&endpoint, "runas", &destination, &Secret::new("TOKEN"));
        let parsed = Url::parse(url.expose()).unwrap();
        assert_eq!(parsed.host_str(), Url::parse(signin).unwrap().host_str());
        assert_eq!(parsed.path(), "/federation");
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![
                ("Action".into(), "login".into()),
                ("Issuer".into(), "runas".into()),
                ("Destination".into(), console.to_owned()),
                ("SigninToken".into(), "TOKEN".into()),
            ],
            "{partition:?}"
        );
    }
}

#[test]
fn the_console_home_and_a_given_destination() {
    assert_eq!(
        destination_url(Partition::Aws, "us-east-1", &Destination::Home).unwrap(),
        "https://console.aws.amazon.com/console/home?region=us-east-1"
    );
    let given = "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logs:";
    assert_eq!(
        destination_url(Partition::Aws, "us-east-1", &Destination::Url(given.into())).unwrap(),
        given
    );
    for bad in ["javascript:alert(1)", "not a url"] {
        assert!(
            destination_url(Partition::Aws, "x", &Destination::Url(bad.into())).is_err(),
            "{bad}"
        );
    }
    for bad in ["", "s3?x=1", "../etc", "/s3", "a b"] {
        assert!(
            destination_url(Partition::Aws, "x", &Destination::Service(bad.into())).is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn the_endpoint_override_keeps_its_prefix_and_drops_a_query() {
    let url = endpoint(Partition::AwsCn, Some("http://127.0.0.1:5000")).unwrap();
    assert_eq!(url.as_str(), "http://127.0.0.1:5000/federation");
    let url = endpoint(Partition::Aws, Some("https://proxy.example/aws/?x=1")).unwrap();
    assert_eq!(url.as_str(), "https://proxy.example/aws/federation");
    assert_eq!(
        endpoint(Partition::Aws, Some("   ")).unwrap().as_str(),
        "https://signin.aws.amazon.com/federation"
    );
    assert!(endpoint(Partition::Aws, Some("ftp://x")).is_err());
    assert!(endpoint(Partition::Aws, Some("nonsense")).is_err());
}

#[test]
fn session_duration_only_for_role_sessions_within_range_and_lifetime() {
    let minutes = |m: u64| Duration::from_secs(m * 60);
    assert_eq!(session_duration(true, false, minutes(42)), Some(42 * 60));
    assert_eq!(
        session_duration(true, false, minutes(24 * 60)),
        Some(43_200)
    );
    assert_eq!(session_duration(true, true, minutes(3 * 60)), Some(3600));
    assert_eq!(session_duration(true, true, minutes(20)), Some(20 * 60));
    assert_eq!(session_duration(true, false, minutes(10)), None);
    assert_eq!(session_duration(false, false, minutes(42)), None);
}

#[test]
fn a_refusal_that_echoes_the_secret_is_not_shown() {
    let credentials = Credentials {
        access_key_id: "ASIA".into(),
        secret_access_key: Secret::new("s3cr3t-key-value"),
        session_token: Secret::new("t0ken-value"),
        expiration: chrono::Utc::now(),
    };
    assert_eq!(shown_body("bad session s3cr3t-key-value", &credentials), "");
    assert_eq!(
        shown_body("  Session\n expired ", &credentials),
        "Session expired"
    );
}
