//! AWS calls that turn an identity into credentials: STS today; sso-oidc and S3 Access Grants
//! later (DESIGN §5, §6). Everything here returns runas's own [`crate::creds::Credentials`] and
//! typed errors. It must not read the AWS config file, touch the cache, or talk to the identity
//! provider: callers pass in the region, endpoint and token they already resolved.

mod advice;
mod assume_role;
pub mod endpoint;
pub mod sdk;
pub mod sso_device;
pub mod sso_portal;
pub mod sts;

pub use endpoint::{
    EndpointError, EndpointSource, Service, ServiceEndpoint, StsEndpoint, resolve_endpoint,
    resolve_sts_endpoint,
};
pub use sts::{AssumedRole, StsClient, StsError, StsSettings};
