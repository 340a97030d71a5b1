//! IAM users and their long-term access keys in the AWS peer, made through moto's own IAM API
//! as `aws iam create-user` / `create-access-key` would: the static roots of role chains.

use super::Peers;
use crate::common::raw_http;

impl Peers {
    /// Creates an IAM user in the AWS peer and an access key for it, as `aws iam create-user`
    /// and `aws iam create-access-key` would; returns (access key id, secret access key):
    /// long-term keys moto knows, for the static roots of role chains.
    pub fn create_access_key(&self, user: &str) -> (String, String) {
        let routing_only_authorization = "AWS4-HMAC-SHA256 \
             Credential=test/20240101/us-east-1/iam/aws4_request, \
             SignedHeaders=host, Signature=0";
        let call = |action: &str| {
            let answer = raw_http::post_form(
                self.aws_port,
                "/",
                &[("Authorization", routing_only_authorization)],
                &[
                    ("Action", action),
                    ("Version", "2010-05-08"),
                    ("UserName", user),
                ],
            )
            .unwrap_or_else(|error| panic!("{action} {user}: {error}"));
            assert_eq!(answer.status, 200, "{action} {user}: {}", answer.body);
            answer.body
        };
        call("CreateUser");
        let body = call("CreateAccessKey");
        let field = |name: &str| {
            let start = body
                .find(&format!("<{name}>"))
                .unwrap_or_else(|| panic!("CreateAccessKey answered without {name}"))
                + name.len()
                + 2;
            let end = body[start..].find('<').expect("a closing tag") + start;
            body[start..end].to_owned()
        };
        (field("AccessKeyId"), field("SecretAccessKey"))
    }
}
