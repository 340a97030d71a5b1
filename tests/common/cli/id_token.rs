//! An ID token obtained the way a workload's token issuer would hand one over (for
//! `web_identity_token_file` profiles): a scripted auto-login and a code exchange at the test
//! IdP, outside runas. Loopback only; it owns nothing of runas.

use crate::common::login::scripted_login;
use crate::common::peers::Peers;
use crate::common::raw_http;

/// Logs in at the IdP (auto-login) for the public client, as a workload's token issuer
/// would, and returns the ID token and its `exp`.
pub async fn public_client_id_token(peers: &Peers) -> (String, chrono::DateTime<chrono::Utc>) {
    id_token_for_client(peers, "runas-cli").await
}

/// The same for another public client of the IdP (e.g. `connect-content`, whose tokens have
/// the audience Posit Connect gives its content's tokens).
pub async fn id_token_for_client(
    peers: &Peers,
    client_id: &str,
) -> (String, chrono::DateTime<chrono::Utc>) {
    let redirect_uri = "http://127.0.0.1:8090/callback";
    let login = scripted_login(&peers.issuer(), client_id, redirect_uri).await;
    let idp_port: u16 = peers
        .issuer()
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("the issuer's port");
    let answer = raw_http::post_form(
        idp_port,
        "/token",
        &[],
        &[
            ("grant_type", "authorization_code"),
            ("code", &login.code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", login.pkce_verifier.secret()),
            ("client_id", client_id),
        ],
    )
    .expect("token exchange");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let tokens: serde_json::Value = serde_json::from_str(&answer.body).expect("JSON tokens");
    let token = tokens["id_token"].as_str().expect("an id_token").to_owned();
    let payload = token.split('.').nth(1).expect("a JWT payload");
    let claims = decode_base64url(payload);
    let claims: serde_json::Value = serde_json::from_slice(&claims).expect("JSON claims");
    let exp = claims["exp"].as_i64().expect("exp");
    let exp = chrono::DateTime::from_timestamp(exp, 0).expect("a time");
    (token, exp)
}

fn decode_base64url(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => panic!("not base64url: {c}"),
    };
    let sextets: Vec<u8> = text.bytes().map(value).collect();
    let mut bytes = Vec::new();
    for chunk in sextets.chunks(4) {
        let bits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, s)| acc | u32::from(*s) << (18 - 6 * i));
        let [_, a, b, c] = bits.to_be_bytes();
        bytes.extend_from_slice(&[a, b, c][..chunk.len() - 1]);
    }
    bytes
}
