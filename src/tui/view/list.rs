//! The profile list: group headings and one line per profile with its provider badge, account,
//! role and live status, its cached S3 Access Grants under it with their own countdowns.
//! Columns narrow or drop as the terminal does.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::Areas;
use super::theme::{self, Theme};
use crate::config::ProfileKind;
use crate::tui::rows::{GrantView, ProfileRow};
use crate::tui::state::{App, ListItem, Status};

pub fn render(app: &App, now: DateTime<Utc>, theme: &Theme, frame: &mut Frame, areas: &Areas) {
    let shown = app.summary.shown_profiles;
    let title = if app.filter.query.is_empty() {
        format!(" Profiles ({shown}) ")
    } else {
        format!(" Profiles ({shown} of {}) ", app.rows.len())
    };
    frame.render_widget(Block::bordered().title(title), areas.list_block);
    let area = areas.list;
    let width = usize::from(area.width);
    let columns = Columns::fit(width, app);
    let lines: Vec<Line> = app
        .items
        .iter()
        .enumerate()
        .skip(app.list_viewport.offset)
        .take(usize::from(area.height))
        .map(|(index, item)| match item {
            ListItem::Group(name) => Line::from(Span::styled(
                truncate(&format!("─ {name} "), width),
                theme.group(),
            )),
            ListItem::Profile(row_index) => {
                let row = &app.rows[*row_index];
                let selected = app.selected == Some(index);
                profile_line(
                    row,
                    app.status_of(row, now),
                    app.ticks,
                    &columns,
                    theme,
                    selected,
                    app.name_matches.get(row_index).map_or(&[], Vec::as_slice),
                )
            }
            ListItem::Grant { row, grant } => {
                let grant = &app.rows[*row].cache.grants[*grant];
                grant_line(grant, now, &columns, theme, app.selected == Some(index))
            }
        })
        .collect();
    if lines.is_empty() {
        let text = Span::styled(" nothing matches the filter", theme.dim());
        frame.render_widget(Paragraph::new(text), area);
    } else {
        frame.render_widget(Paragraph::new(lines), area);
    }
}

/// Column widths for the space there is; zero means the column is dropped. The status takes
/// what is left, at least `MIN_STATUS`.
struct Columns {
    name: usize,
    badge: usize,
    account: usize,
    role: usize,
    status: usize,
}

const MIN_STATUS: usize = 18;

impl Columns {
    fn fit(width: usize, app: &App) -> Columns {
        let summary = &app.summary;
        let mut columns = Columns {
            name: (summary.longest_name + 1).clamp(8, 25),
            badge: 9,
            account: 13,
            // A row without a role shows "-": one character.
            role: (summary.longest_role.max(1) + 1).clamp(6, 25),
            status: 0,
        };
        let used = |c: &Columns| 2 + c.name + c.badge + c.account + c.role;
        for drop in [
            |c: &mut Columns| c.role = 0,
            |c: &mut Columns| c.account = 0,
            |c: &mut Columns| c.badge = 0,
        ] {
            if used(&columns) + MIN_STATUS > width {
                drop(&mut columns);
            }
        }
        if used(&columns) + MIN_STATUS > width {
            columns.name = width.saturating_sub(2 + MIN_STATUS).max(6);
        }
        columns.status = width.saturating_sub(used(&columns));
        columns
    }
}

fn profile_line<'a>(
    row: &ProfileRow,
    status: Status,
    ticks: u64,
    columns: &Columns,
    theme: &Theme,
    selected: bool,
    name_matches: &[u32],
) -> Line<'a> {
    let (symbol, text, style) = status_cell(&status, ticks, theme);
    let mut spans = vec![Span::styled(format!("{symbol} "), style)];
    spans.extend(highlighted(
        &pad(&row.name, columns.name),
        name_matches,
        theme,
    ));
    if columns.badge > 0 {
        // `?`: only the first login's probe can tell; `-`: no IdP at all.
        let badge = match row.provider {
            Some(provider) => provider.as_str(),
            None if row.kind == ProfileKind::Sso => "sso",
            None if row.detected_by.is_empty() => "-",
            None => "?",
        };
        spans.push(Span::styled(pad(badge, columns.badge), theme.accent()));
    }
    if columns.account > 0 {
        spans.push(Span::raw(pad(
            row.account_id.as_deref().unwrap_or("-"),
            columns.account,
        )));
    }
    if columns.role > 0 {
        spans.push(Span::raw(pad(
            row.role_name.as_deref().unwrap_or("-"),
            columns.role,
        )));
    }
    spans.push(Span::styled(truncate(&text, columns.status), style));
    let line = Line::from(spans);
    if selected {
        line.style(theme.selected())
    } else {
        line
    }
}

/// A cached S3 Access Grant under its profile: target and permission where the profile's
/// name, badge, account and role go, then its own countdown in the status column.
fn grant_line<'a>(
    grant: &GrantView,
    now: DateTime<Utc>,
    columns: &Columns,
    theme: &Theme,
    selected: bool,
) -> Line<'a> {
    let (symbol, text, style) = status_cell(&grant.status(now), 0, theme);
    let width = columns.name + columns.badge + columns.account + columns.role;
    let label = format!("  └ {} {}", grant.target, grant.permission);
    let line = Line::from(vec![
        Span::styled(format!("{symbol} "), style),
        Span::styled(pad(&label, width), theme.accent()),
        Span::styled(truncate(&text, columns.status), style),
    ]);
    if selected {
        line.style(theme.selected())
    } else {
        line
    }
}

/// The symbol, words and style for a status; words carry the meaning without colour.
fn status_cell(status: &Status, ticks: u64, theme: &Theme) -> (&'static str, String, Style) {
    match status {
        Status::Unknown => ("·", "…".to_owned(), theme.dim()),
        Status::Valid { remaining } => ("●", theme::countdown(*remaining), theme.valid()),
        Status::Expiring { remaining } => (
            "▲",
            format!("expiring {}", theme::countdown(*remaining)),
            theme.expiring(),
        ),
        Status::Expired => ("✗", "expired".to_owned(), theme.error()),
        Status::Ready => ("◌", "ready: signed in".to_owned(), theme.dim()),
        Status::NeverLoggedIn => ("○", "never logged in".to_owned(), theme.dim()),
        Status::InProgress { stage } => (theme::spinner(ticks), stage.clone(), theme.progress()),
        Status::Error { summary } => ("!", format!("error: {summary}"), theme.error()),
        Status::Invalid => ("!", "config error".to_owned(), theme.error()),
        Status::NotApplicable => (" ", "-".to_owned(), theme.dim()),
    }
}

/// `text` as spans, the characters at `positions` (sorted) in the matched style.
fn highlighted<'a>(text: &str, positions: &[u32], theme: &Theme) -> Vec<Span<'a>> {
    if positions.is_empty() {
        return vec![Span::raw(text.to_owned())];
    }
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_matched = false;
    for (position, character) in text.chars().enumerate() {
        let matched = u32::try_from(position).is_ok_and(|p| positions.binary_search(&p).is_ok());
        if matched != run_matched && !run.is_empty() {
            let style = if run_matched {
                theme.matched()
            } else {
                Style::default()
            };
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        run_matched = matched;
        run.push(character);
    }
    let style = if run_matched {
        theme.matched()
    } else {
        Style::default()
    };
    spans.push(Span::styled(run, style));
    spans
}

/// `text` cut or padded to exactly `width` cells, with a space after.
fn pad(text: &str, width: usize) -> String {
    let cut = truncate(text, width.saturating_sub(1));
    format!("{cut:<width$}")
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
