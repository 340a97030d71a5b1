//! placeholder
pub mod provider;
pub use provider::{ProviderKind, UnknownProvider};
