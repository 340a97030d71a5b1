//! What the view shows at every frame about all the rows together: how many profiles the list
//! shows, how many tasks run, the widest name and role. `update` works it out after each
//! message that can change it, not the view at each frame: the view redraws every second for
//! the countdowns, and at 10,000 profiles walking every row for these (and from each row to its
//! name and role) was most of an idle TUI's CPU.

use super::rows::ProfileRow;
use super::state::{Activity, App, ListItem};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListSummary {
    /// Profiles among the list's items (all, or those matching the filter).
    pub shown_profiles: usize,
    /// Rows with a task running.
    pub running: usize,
    /// Of all rows, in characters.
    pub longest_name: usize,
    /// Of all rows' role names, in characters; 0 when none has one.
    pub longest_role: usize,
}

impl ListSummary {
    pub fn of(rows: &[ProfileRow], items: &[ListItem]) -> ListSummary {
        let mut summary = ListSummary {
            shown_profiles: items
                .iter()
                .filter(|item| matches!(item, ListItem::Profile(_)))
                .count(),
            ..ListSummary::default()
        };
        for row in rows {
            if matches!(row.activity, Activity::Running { .. }) {
                summary.running += 1;
            }
            summary.longest_name = summary.longest_name.max(row.name.chars().count());
            if let Some(role) = &row.role_name {
                summary.longest_role = summary.longest_role.max(role.chars().count());
            }
        }
        summary
    }
}

impl App {
    /// Works out [`App::summary`] again; `update` calls it after every message but the tick.
    pub fn summarize(&mut self) {
        self.summary = ListSummary::of(&self.rows, &self.items);
    }
}
