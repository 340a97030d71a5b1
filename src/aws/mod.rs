//! AWS calls that turn an identity into credentials: STS, sso-oidc and S3 Access Grants
//! (docs/ARCHITECTURE.md "AWS calls", "Trusted identity propagation"). Everything here returns runas's own [`crate::creds::Credentials`] and
//! typed errors. It must not read the AWS config file, touch the cache, or talk to the identity
//! provider: callers pass in the region, endpoint and token they already resolved.

pub mod access_grants;
mod advice;
mod assume_role;
pub mod call_error;
pub mod endpoint;
pub mod federation;
pub mod identity_center;
pub mod sdk;
pub mod sso_device;
pub mod sso_listing;
pub mod sso_portal;
pub mod sts;

pub use call_error::CallError;
pub use endpoint::{
    EndpointError, EndpointSource, Service, ServiceEndpoint, StsEndpoint, resolve_endpoint,
    resolve_sts_endpoint,
};
pub use sts::{AssumedRole, StsClient, StsError, StsSettings};
