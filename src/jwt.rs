//! Reading a JWT's payload without checking it: for claims whose trust comes from elsewhere
//! (STS verifies a workload token itself; AWS signs the Identity Center token and STS checks
//! the context taken from it). Never used for a trust decision of runas's own.

/// The claims of a JWT payload, read without verification: only for claims a service checks
/// again (a session name from a workload token, the Identity Center identity context).
pub fn unverified_claims(token: &str) -> Option<serde_json::Value> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&base64url_decode(payload)?).ok()
}

/// Unpadded base64url (RFC 4648 §5), as JWTs use it.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            b'=' => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unverified_claims_read_a_jwt_payload() {
        // {"sub":"system:serviceaccount:ns:app","email":"x@y.z"}
        let payload = "eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6YXBwIiwiZW1haWwiOiJ4QHkueiJ9";
        let claims = unverified_claims(&format!("h.{payload}.s")).unwrap();
        assert_eq!(claims["email"], "x@y.z");
        assert_eq!(claims["sub"], "system:serviceaccount:ns:app");
        assert!(unverified_claims("not a jwt").is_none());
    }
}
