//! The TUI's state: one [`ProfileRow`] per profile (what the config says, what the cache says,
//! what a running login is doing), the filter, the selection and the open overlay. Plain data:
//! it is changed only by `update` and read by `view`; it never holds a secret (credentials
//! travel in messages and effects, never into `App`) and never touches the terminal or disk.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};

use super::rows::{GrantView, ProfileRow};
pub use super::stage::Stage;
use super::summary::ListSummary;

/// Credentials with less than this left are shown as expiring (the SDKs' advisory window).
pub const EXPIRING_WITHIN: Duration = Duration::minutes(15);

/// What a profile looks like right now, decided from its row and the clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The cache has not been read yet.
    Unknown,
    Valid {
        remaining: Duration,
    },
    Expiring {
        remaining: Duration,
    },
    Expired,
    /// No role credentials yet, but a usable login to the IdP (or Identity Center) is cached:
    /// `Enter` assumes the role without a browser.
    Ready,
    NeverLoggedIn,
    InProgress {
        stage: String,
    },
    Error {
        summary: String,
    },
    /// The config makes the profile unusable.
    Invalid,
    /// runas has nothing to log in to (static keys, SSO, ...).
    NotApplicable,
}

/// What a login task for a profile is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activity {
    Idle,
    Running { task: u64, stage: Stage },
    Failed { error: String },
}

/// What should happen once credentials for a profile are in hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    Nothing,
    Export,
    Shell,
    /// A shell whose credentials come from a loopback endpoint that renews them.
    ServerShell,
    Copy,
    /// Sign in to the AWS console and open it.
    Console,
}

/// The overlay drawn above the list, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    /// The login modal of a profile: browser URL or device code, with its stage.
    Login {
        profile: String,
    },
    /// `x` asks before forgetting a profile's cached credentials.
    ConfirmForget {
        profile: String,
    },
    /// `D`: the doctor report of a profile; `None` while it is being checked.
    Doctor {
        profile: String,
        report: Option<Vec<String>>,
    },
}

/// One line of the list: a group heading (the IdP), a profile (index into `App::rows`), or one
/// of a profile's cached S3 Access Grants (index into its `cache.grants`) under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListItem {
    Group(String),
    Profile(usize),
    Grant { row: usize, grant: usize },
}

impl ListItem {
    /// Profiles and grants can be selected; headings cannot.
    pub fn is_selectable(&self) -> bool {
        !matches!(self, ListItem::Group(_))
    }
}

/// A selection that outlives a rebuild of the list: see [`App::selection_key`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectionKey {
    pub profile: Option<String>,
    pub grant: Option<(String, crate::config::GrantPermission)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub query: String,
    /// Keys go to the query while editing.
    pub editing: bool,
}

/// The whole TUI state.
#[derive(Debug, Clone)]
pub struct App {
    pub config_path: PathBuf,
    /// Why the config could not be read, or file-level issues.
    pub config_notes: Vec<String>,
    /// Grouped and sorted once; the filter picks and orders rows through `items` only.
    pub rows: Vec<ProfileRow>,
    pub filter: Filter,
    /// What the list shows now: without a filter, headings and every row in group order;
    /// with one, the matching rows best first and no headings.
    pub items: Vec<ListItem>,
    /// While filtering: for each matching row (by index into `rows`), the character positions
    /// of its name that matched, for the view to highlight.
    pub name_matches: HashMap<usize, Vec<u32>>,
    /// Index into `items`, always a profile or grant item when any is visible.
    pub selected: Option<usize>,
    pub overlay: Overlay,
    /// A one-line note for the person (what just happened, or why a key did nothing).
    pub note: Option<String>,
    pub cache_loaded: bool,
    /// Advances each tick; drives the spinner.
    pub ticks: u64,
    pub next_task: u64,
    /// The list's last drawn height and first row, for PgUp/PgDn and mouse clicks.
    pub list_viewport: Viewport,
    pub color: bool,
    /// The export syntax for `e` and `y`.
    pub export_format: crate::shell::Format,
    /// The terminal size last reported.
    pub size: (u16, u16),
    /// Facts about all rows the view shows at each frame, kept by `update` ([`App::summarize`]).
    pub summary: ListSummary,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Viewport {
    pub top: u16,
    pub height: u16,
    pub offset: usize,
}

impl App {
    pub fn new(config_path: PathBuf, rows: Vec<ProfileRow>, config_notes: Vec<String>) -> App {
        let mut app = App {
            config_path,
            config_notes,
            rows,
            filter: Filter::default(),
            name_matches: HashMap::new(),
            items: Vec::new(),
            selected: None,
            overlay: Overlay::None,
            note: None,
            cache_loaded: false,
            ticks: 0,
            next_task: 1,
            list_viewport: Viewport {
                top: 0,
                height: 20,
                offset: 0,
            },
            color: true,
            export_format: crate::shell::Format::Sh,
            size: (80, 24),
            summary: ListSummary::default(),
        };
        app.refilter();
        app.resize(80, 24);
        app.summarize();
        app
    }

    /// Records a new terminal size and where the list now sits on screen.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        let list = super::view::layout(self, ratatui::layout::Rect::new(0, 0, width, height)).list;
        self.list_viewport.top = list.y;
        self.list_viewport.height = list.height;
        self.scroll_into_view();
    }

    /// Moves the list's first row so the selection is visible.
    pub fn scroll_into_view(&mut self) {
        let height = usize::from(self.list_viewport.height.max(1));
        let selected = self.selected.unwrap_or(0);
        let offset = &mut self.list_viewport.offset;
        if selected < *offset {
            // Show the group heading above the first profile of a group too.
            *offset = selected.saturating_sub(1);
        } else if selected >= *offset + height {
            *offset = selected + 1 - height;
        }
        *offset = (*offset).min(self.items.len().saturating_sub(height));
    }

    /// The selected profile, or the profile of the selected grant.
    pub fn selected_row(&self) -> Option<&ProfileRow> {
        match self.items.get(self.selected?)? {
            ListItem::Profile(index) | ListItem::Grant { row: index, .. } => self.rows.get(*index),
            ListItem::Group(_) => None,
        }
    }

    /// The selected grant row and its profile, when a grant is selected.
    pub fn selected_grant(&self) -> Option<(&ProfileRow, &GrantView)> {
        match self.items.get(self.selected?)? {
            ListItem::Grant { row, grant } => {
                let row = self.rows.get(*row)?;
                Some((row, row.cache.grants.get(*grant)?))
            }
            _ => None,
        }
    }

    pub fn row_index(&self, name: &str) -> Option<usize> {
        self.rows.iter().position(|row| row.name == name)
    }

    pub fn row(&self, name: &str) -> Option<&ProfileRow> {
        self.rows.iter().find(|row| row.name == name)
    }

    pub fn row_mut(&mut self, name: &str) -> Option<&mut ProfileRow> {
        self.rows.iter_mut().find(|row| row.name == name)
    }

    /// Rebuilds `items` from the filter, keeping the selected profile when it still matches.
    pub fn refilter(&mut self) {
        if self.filter.query.trim().is_empty() {
            // Back to the whole list, on the row the filter found.
            self.rebuild_items();
        } else {
            // A changed query: the best match is selected, as in fzf.
            self.rebuild_items_keeping(SelectionKey::default());
        }
        self.list_viewport.offset = 0;
        self.scroll_into_view();
    }

    /// What is selected, by name: the profile and, on a grant row, the grant's target and
    /// permission. Taken before the rows change, so the selection survives a cache read.
    pub fn selection_key(&self) -> SelectionKey {
        SelectionKey {
            profile: self.selected_row().map(|row| row.name.clone()),
            grant: self
                .selected_grant()
                .map(|(_, grant)| (grant.target.clone(), grant.permission)),
        }
    }

    /// Rebuilds `items` keeping the selection and the scroll position.
    pub fn rebuild_items(&mut self) {
        let key = self.selection_key();
        self.rebuild_items_keeping(key);
    }

    /// Rebuilds `items` (the cache brought or dropped grants) selecting `key` again: the grant
    /// when it is still cached, else its profile.
    pub fn rebuild_items_keeping(&mut self, key: SelectionKey) {
        let SelectionKey {
            profile: keep,
            grant: keep_grant,
        } = key;
        self.items.clear();
        self.name_matches.clear();
        let query = self.filter.query.trim();
        if query.is_empty() {
            let mut last_group: Option<&str> = None;
            for (index, row) in self.rows.iter().enumerate() {
                if last_group != Some(&*row.group) {
                    self.items.push(ListItem::Group(row.group.to_string()));
                    last_group = Some(&row.group);
                }
                push_with_grants(&mut self.items, index, row);
            }
        } else {
            let candidates = self
                .rows
                .iter()
                .map(|row| (row.name.as_str(), row.search_fields()));
            for ranked in super::fuzzy::rank(query, candidates) {
                push_with_grants(&mut self.items, ranked.index, &self.rows[ranked.index]);
                if !ranked.name_positions.is_empty() {
                    self.name_matches
                        .insert(ranked.index, ranked.name_positions);
                }
            }
        }
        let kept_profile = keep.and_then(|name| {
            self.items.iter().position(
                |item| matches!(item, ListItem::Profile(index) if self.rows[*index].name == name),
            )
        });
        let kept_grant = kept_profile
            .zip(keep_grant)
            .and_then(|(at, (target, permission))| {
                let found = self.items[at + 1..].iter().position(|item| match item {
                    ListItem::Grant { row, grant } => {
                        let grant = &self.rows[*row].cache.grants[*grant];
                        grant.target == target && grant.permission == permission
                    }
                    _ => false,
                })?;
                // Only among this profile's own grants, which follow it directly.
                let between = &self.items[at + 1..at + 1 + found];
                between
                    .iter()
                    .all(|item| matches!(item, ListItem::Grant { .. }))
                    .then_some(at + 1 + found)
            });
        self.selected = kept_grant
            .or(kept_profile)
            .or_else(|| self.first_profile_from(0, 1));
        self.scroll_into_view();
    }

    /// The first profile or grant item at or after `start` going in `step` direction.
    pub fn first_profile_from(&self, start: usize, step: isize) -> Option<usize> {
        let mut index = start as isize;
        while index >= 0 && (index as usize) < self.items.len() {
            if self.items[index as usize].is_selectable() {
                return Some(index as usize);
            }
            index += step;
        }
        None
    }

    /// Moves the selection by `delta` profiles or grants, stopping at the ends.
    pub fn move_selection(&mut self, delta: isize) {
        let Some(current) = self.selected else { return };
        let step = delta.signum();
        let mut target = current;
        for _ in 0..delta.unsigned_abs() {
            let next = target as isize + step;
            if next < 0 {
                break;
            }
            match self.first_profile_from(next as usize, step) {
                Some(found) => target = found,
                None => break,
            }
        }
        self.selected = Some(target);
    }

    pub fn select_first(&mut self) {
        self.selected = self.first_profile_from(0, 1);
    }

    pub fn select_last(&mut self) {
        let last = self.items.len().saturating_sub(1);
        self.selected = self.first_profile_from(last, -1);
    }

    pub fn status_of(&self, row: &ProfileRow, now: DateTime<Utc>) -> Status {
        row.status(now, self.cache_loaded)
    }
}

/// A profile's item followed by one item per cached grant of it.
fn push_with_grants(items: &mut Vec<ListItem>, index: usize, row: &ProfileRow) {
    items.push(ListItem::Profile(index));
    items.extend((0..row.cache.grants.len()).map(|grant| ListItem::Grant { row: index, grant }));
}
