//! The keys of S3 Access Grants in the list (part of `update`, kept apart for size): `a` gets
//! the selected profile's configured grant (or the selected grant again), and the hand-off
//! keys on a grant row use the grant's credentials. Pure: they only return effects.

use super::msg::{Effect, GrantRequest, LoginMode};
use super::state::{After, App};
use super::update::start;

/// The selected grant row as a request for its credentials.
pub(super) fn selected_grant(app: &App) -> Option<GrantRequest> {
    app.selected_grant().map(|(_, grant)| GrantRequest {
        target: grant.target.clone(),
        permission: grant.permission,
    })
}

/// `a`: gets the selected grant row's credentials again, or the selected profile's configured
/// grant; from the cache while fresh, else from S3 Access Grants.
pub(super) fn fetch_configured_grant(app: &mut App) -> Vec<Effect> {
    if let Some(grant) = selected_grant(app) {
        return start(app, LoginMode::Normal, After::Nothing, false, Some(grant));
    }
    let Some(row) = app.selected_row() else {
        return Vec::new();
    };
    let Some((target, permission)) = row.access_grant.clone() else {
        app.note = Some(format!(
            "{}: no S3 Access Grant configured; set identity_center_application_arn, \
             identity_enhanced_role_arn and s3_access_grants_target",
            row.name
        ));
        return Vec::new();
    };
    start(
        app,
        LoginMode::Normal,
        After::Nothing,
        false,
        Some(GrantRequest { target, permission }),
    )
}
