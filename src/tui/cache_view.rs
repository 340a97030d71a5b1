//! What the cache holds for a profile, as the TUI may see it: expiry times, names and
//! whether a refresh token exists, never a secret. Filled by the effects from the store, read
//! by rows and the view; plain data plus the expiry rule the list and grant rows share.

use chrono::{DateTime, Utc};

use super::rows::ProfileRow;
use super::state::{EXPIRING_WITHIN, Status};
use crate::config::GrantPermission;

/// The secret-free part of a cached credential entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialView {
    pub obtained_at: DateTime<Utc>,
    pub expiration: DateTime<Utc>,
    pub assumed_role_arn: Option<String>,
    pub session_name: Option<String>,
}

/// The secret-free part of a cached ID-token entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenView {
    pub subject: Option<String>,
    pub email: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub refresh_token: bool,
}

/// The secret-free part of a cached S3 Access Grants entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantView {
    pub target: String,
    pub permission: GrantPermission,
    pub matched_grant_target: Option<String>,
    pub expiration: DateTime<Utc>,
}

impl GrantView {
    /// Valid, expiring or expired at `now`, like a role session.
    pub fn status(&self, now: DateTime<Utc>) -> Status {
        expiry_status(self.expiration, now)
    }
}

/// What the cache holds for one profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheView {
    /// Boxed, like `tokens`: every row holds a view, most of them empty, and inline the two
    /// made it 160 bytes instead of 40 (1.2 MB at 10,000 profiles, and as much again in the
    /// cache read's message).
    pub credentials: Option<Box<CredentialView>>,
    pub tokens: Option<Box<TokenView>>,
    /// Sorted by target and permission.
    pub grants: Vec<GrantView>,
}

/// Valid, expiring (inside the SDKs' advisory window) or expired at `now`.
pub(super) fn expiry_status(expiration: DateTime<Utc>, now: DateTime<Utc>) -> Status {
    let remaining = expiration - now;
    if remaining <= chrono::Duration::zero() {
        Status::Expired
    } else if remaining < EXPIRING_WITHIN {
        Status::Expiring { remaining }
    } else {
        Status::Valid { remaining }
    }
}

/// Gives each row the view of its name, if the cache read brought one (a row without one keeps
/// its view; of two views of one name the later wins, and it goes to the first row of that
/// name). One pass over the rows through a sorted index of the views: looking each view's row
/// up by name was 50 million string comparisons per poll at 10,000 profiles, and a map holding
/// the views themselves was 3 MB at the same size, the TUI's peak memory (massif).
pub(super) fn apply_views(rows: &mut [ProfileRow], mut views: Vec<(String, CacheView)>) {
    let mut by_name: Vec<usize> = (0..views.len()).collect();
    // The index breaks ties, so the last view of a name is the last of its run.
    by_name.sort_unstable_by(|&a, &b| views[a].0.cmp(&views[b].0).then(a.cmp(&b)));
    let mut taken = vec![false; views.len()];
    for row in rows {
        let end = by_name.partition_point(|&at| views[at].0.as_str() <= row.name.as_str());
        let Some(&at) = end.checked_sub(1).and_then(|last| by_name.get(last)) else {
            continue;
        };
        if views[at].0 == row.name && !taken[at] {
            taken[at] = true;
            row.cache = std::mem::take(&mut views[at].1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(minutes: i64) -> CacheView {
        let at = DateTime::from_timestamp(1_800_000_000 + minutes * 60, 0).unwrap();
        CacheView {
            tokens: Some(Box::new(TokenView {
                subject: None,
                email: None,
                expires_at: at,
                refresh_token: false,
            })),
            ..CacheView::default()
        }
    }

    #[test]
    fn views_go_to_their_rows_by_name_the_later_of_two_winning() {
        let mut app = super::super::test_fixtures::app_from(
            "[profile b]\nregion = x\n[profile a]\nregion = x\n[profile c]\nregion = x\n",
        );
        let c = app.row_index("c").unwrap();
        app.rows[c].cache = view(7);
        let views = vec![
            ("b".to_owned(), view(1)),
            ("zz-gone".to_owned(), view(2)),
            ("a".to_owned(), view(3)),
            ("b".to_owned(), view(4)),
        ];
        apply_views(&mut app.rows, views);
        let cache_of = |name| app.row(name).unwrap().cache.clone();
        assert_eq!(cache_of("a"), view(3));
        assert_eq!(cache_of("b"), view(4), "the later view of a name wins");
        assert_eq!(cache_of("c"), view(7), "a row without a view keeps its own");
    }
}
