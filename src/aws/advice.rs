//! What a person should check when STS refuses: the error code alone rarely says which of the
//! three places (IdP, IAM OIDC provider, role trust policy) is wrong.

use super::sts::StsError;

impl StsError {
    /// A sentence on the likely cause and what to check, for the refusals people meet.
    pub fn advice(&self) -> Option<&'static str> {
        let StsError::Service { code, message, .. } = self else {
            return match self {
                StsError::Unreachable { .. } | StsError::Timeout { .. } => Some(
                    "check the STS endpoint (endpoint_url, AWS_ENDPOINT_URL_STS, region) and the network",
                ),
                StsError::GaveUp { code, .. } if super::sts::is_throttling(code) => Some(
                    "STS is limiting how fast this account calls it: wait a minute and try again; \
                     if it keeps happening, look for scripts or tools calling STS in a loop",
                ),
                StsError::GaveUp { .. } => Some(
                    "STS had trouble on its side: try again in a moment; if it persists, check \
                     the AWS Health Dashboard for STS in this region",
                ),
                _ => None,
            };
        };
        Some(match code.as_str() {
            "InvalidIdentityToken" => {
                "STS did not accept the ID token: check that the account has an IAM OIDC identity \
                 provider whose URL is exactly the token's issuer, whose audience list holds the \
                 client id, and whose thumbprint or JWKS is current"
            }
            "ExpiredTokenException" => {
                "the ID token had expired when STS checked it: log in again (runas login PROFILE) \
                 and check this machine's clock"
            }
            "ExpiredToken" => "the source credentials have expired: refresh the source profile",
            "AccessDenied" => {
                "the role's trust policy does not allow this identity: check its Federated \
                 principal (the IAM OIDC provider ARN) and its conditions on the issuer's aud \
                 (client id) and sub; for a chained role, that the source role may assume it"
            }
            "IDPCommunicationError" => {
                "STS could not reach the identity provider to fetch its keys: the IdP's JWKS must \
                 be reachable from AWS; retry in a moment"
            }
            "IDPRejectedClaim" => "the identity provider rejected the claims STS sent it",
            "RegionDisabledException" => {
                "STS is not activated in this region for the account: pick another region or \
                 activate it in IAM account settings"
            }
            "InvalidClientTokenId" | "SignatureDoesNotMatch" => {
                "STS refused the source credentials: log in to the source profile again"
            }
            "ValidationError"
                if message.contains("DurationSeconds") || message.contains("durationSeconds") =>
            {
                "duration_seconds is outside what the role allows (runas asks for exactly that \
                 and never shortens it behind your back): lower it, or raise the role's \
                 MaxSessionDuration (chained roles are capped at one hour)"
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(code: &str, message: &str) -> StsError {
        StsError::Service {
            operation: "AssumeRoleWithWebIdentity",
            code: code.into(),
            message: message.into(),
        }
    }

    #[test]
    fn the_common_refusals_say_where_to_look() {
        assert!(
            refusal("InvalidIdentityToken", "")
                .advice()
                .unwrap()
                .contains("audience")
        );
        assert!(
            refusal("AccessDenied", "")
                .advice()
                .unwrap()
                .contains("trust policy")
        );
        assert!(
            refusal("ExpiredTokenException", "")
                .advice()
                .unwrap()
                .contains("log in again")
        );
        assert!(
            refusal(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration"
            )
            .advice()
            .unwrap()
            .contains("MaxSessionDuration")
        );
        assert_eq!(refusal("ValidationError", "something else").advice(), None);
        assert_eq!(refusal("Throttling", "").advice(), None);
    }

    #[test]
    fn retried_failures_say_how_often_and_whether_sts_throttled() {
        let gave_up = |code: &str| StsError::GaveUp {
            operation: "AssumeRoleWithWebIdentity",
            code: code.into(),
            message: "Rate exceeded".into(),
        };
        let throttled = gave_up("Throttling");
        assert_eq!(
            throttled.to_string(),
            "STS throttled AssumeRoleWithWebIdentity on all 3 attempts: Throttling: Rate exceeded"
        );
        assert!(throttled.advice().unwrap().contains("wait a minute"));
        assert_eq!(throttled.code(), Some("Throttling"));
        let failing = gave_up("InternalFailure");
        assert!(
            failing.to_string().starts_with("STS kept failing"),
            "{failing}"
        );
        assert!(failing.advice().unwrap().contains("on its side"));
    }
}
