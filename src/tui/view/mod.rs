//! `view`: draws the [`App`] at a given instant. A pure function of the state and the injected
//! clock, so snapshots are stable; it never changes state (the list's scroll position is kept
//! by `update`) and never does I/O. [`layout`] is shared with `update`, which needs to know
//! where the list is to map mouse clicks.

mod detail;
mod doctor;
mod list;
mod overlay;
pub mod theme;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::state::{Activity, App, Overlay};
use theme::Theme;

/// Below this width the detail pane sits under the list; below `STACKED_MIN_*` it is hidden.
const SIDE_BY_SIDE_MIN_WIDTH: u16 = 110;
const STACKED_MIN_WIDTH: u16 = 70;
const STACKED_MIN_HEIGHT: u16 = 20;

/// Where each part goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub filter: Option<Rect>,
    pub list_block: Rect,
    /// Inside the list's border: one row per list item.
    pub list: Rect,
    pub detail: Option<Rect>,
    pub note: Rect,
    pub keys: Rect,
}

pub fn layout(app: &App, area: Rect) -> Areas {
    let show_filter = app.filter.editing || !app.filter.query.is_empty();
    let [header, filter, body, note, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(show_filter)),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let (list_block, detail) = if area.width >= SIDE_BY_SIDE_MIN_WIDTH {
        let [list, detail] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .areas(body);
        (list, Some(detail))
    } else if area.width >= STACKED_MIN_WIDTH && area.height >= STACKED_MIN_HEIGHT {
        let [list, detail] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body);
        (list, Some(detail))
    } else {
        (body, None)
    };
    Areas {
        header,
        filter: show_filter.then_some(filter),
        list_block,
        list: Block::bordered().inner(list_block),
        detail,
        note,
        keys,
    }
}

/// Draws the whole screen for `app` as it stands at `now`.
pub fn view(app: &App, now: DateTime<Utc>, frame: &mut Frame) {
    let theme = Theme::new(app.color);
    let areas = layout(app, frame.area());
    frame.render_widget(header(app, &theme), areas.header);
    if let Some(area) = areas.filter {
        let cursor = if app.filter.editing { "▏" } else { "" };
        let line = Line::from(vec![
            Span::styled(" / ", theme.accent()),
            Span::raw(format!("{}{cursor}", app.filter.query)),
        ]);
        frame.render_widget(Paragraph::new(line), area);
    }
    if app.rows.is_empty() {
        let body = areas
            .detail
            .map_or(areas.list_block, |detail| areas.list_block.union(detail));
        frame.render_widget(empty_hint(app, &theme), body);
    } else {
        list::render(app, now, &theme, frame, &areas);
    }
    if let Some(area) = areas.detail.filter(|_| !app.rows.is_empty())
        && let Some(row) = app.selected_row()
    {
        detail::render(app, row, now, &theme, frame, area);
    }
    if let Some(note) = &app.note {
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {note}"), theme.note())),
            areas.note,
        );
    }
    frame.render_widget(key_bar(app, &theme, areas.keys.width), areas.keys);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => overlay::help(&theme, frame),
        Overlay::Login { profile } => {
            if let Some(row) = app.row(profile) {
                overlay::login(app, row, &theme, frame);
            }
        }
        Overlay::ConfirmForget { profile } => overlay::confirm_forget(profile, &theme, frame),
        Overlay::Doctor { profile, report } => {
            doctor::render(app, profile, report.as_deref(), &theme, frame);
        }
    }
}

fn header<'a>(app: &App, theme: &Theme) -> Paragraph<'a> {
    let running = app.summary.running;
    let mut spans = vec![
        Span::styled(" runas ", theme.title()),
        Span::raw(format!(
            " {} profile{} · {}",
            app.rows.len(),
            if app.rows.len() == 1 { "" } else { "s" },
            app.config_path.display()
        )),
    ];
    if running > 0 {
        spans.push(Span::styled(
            format!(" · {} {running} running", theme::spinner(app.ticks)),
            theme.progress(),
        ));
    }
    Paragraph::new(Line::from(spans))
}

fn empty_hint<'a>(app: &App, theme: &Theme) -> Paragraph<'a> {
    let mut lines = vec![
        Line::from(Span::styled(
            format!("No profiles in {}.", app.config_path.display()),
            theme.strong(),
        )),
        Line::raw(""),
        Line::raw("Add a profile to ~/.aws/config (or the file $AWS_CONFIG_FILE names), e.g.:"),
        Line::raw(""),
    ];
    for example in crate::config::EXAMPLE_PROFILE {
        lines.push(Line::from(Span::styled(
            format!("  {example}"),
            theme.dim(),
        )));
    }
    lines.push(Line::raw(""));
    lines.push(Line::raw("then start runas again."));
    for note in &app.config_notes {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(note.clone(), theme.error())));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(Block::bordered().title(" Getting started "))
}

/// Keys dropped first when the bar does not fit; `?` (the way to all of them) stays.
const DROPPABLE_KEYS: [&str; 6] = ["y", "x", "r", "d", "j/k", "/"];

fn key_bar<'a>(app: &App, theme: &Theme, width: u16) -> Paragraph<'a> {
    let keys: &[(&str, &str)] = match &app.overlay {
        Overlay::Help => &[("Esc", "close")],
        Overlay::Login { .. } => &[("Esc", "cancel login"), ("Enter", "hide")],
        Overlay::ConfirmForget { .. } => &[("y", "forget"), ("n", "keep")],
        Overlay::Doctor { .. } => &[("Esc", "close")],
        Overlay::None if app.filter.editing => &[
            ("type", "filter"),
            ("Enter", "keep"),
            ("Esc", "clear"),
            ("↑↓", "move"),
        ],
        Overlay::None if app.rows.is_empty() => &[("?", "help"), ("q", "quit")],
        Overlay::None => match app.selected_row().map(|row| &row.activity) {
            Some(Activity::Running { .. }) => &[
                ("Esc", "cancel login"),
                ("Enter", "show login"),
                ("j/k", "move"),
                ("/", "filter"),
                ("?", "help"),
                ("q", "quit"),
            ],
            _ if app.selected_grant().is_some() => &[
                ("e", "export grant"),
                ("s", "shell"),
                ("y", "copy"),
                ("a", "grant"),
                ("x", "forget"),
                ("/", "filter"),
                ("?", "help"),
                ("q", "quit"),
            ],
            // The grant key only where the profile has a grant to get.
            _ if app
                .selected_row()
                .is_some_and(|row| row.access_grant.is_some()) =>
            {
                &[
                    ("Enter", "login"),
                    ("a", "grant"),
                    ("d", "device"),
                    ("r", "refresh"),
                    ("s", "shell"),
                    ("e", "export"),
                    ("y", "copy"),
                    ("x", "forget"),
                    ("/", "filter"),
                    ("?", "help"),
                    ("q", "quit"),
                ]
            }
            _ => &[
                ("Enter", "login"),
                ("d", "device"),
                ("r", "refresh"),
                ("s", "shell"),
                ("e", "export"),
                ("y", "copy"),
                ("x", "forget"),
                ("/", "filter"),
                ("?", "help"),
                ("q", "quit"),
            ],
        },
    };
    let mut keys = keys.to_vec();
    let needed = |keys: &[(&str, &str)]| -> usize {
        keys.iter()
            .map(|(key, what)| key.chars().count() + what.chars().count() + 3)
            .sum::<usize>()
            + 1
    };
    for droppable in DROPPABLE_KEYS {
        if needed(&keys) <= usize::from(width) {
            break;
        }
        keys.retain(|(key, _)| *key != droppable);
    }
    let mut spans = vec![Span::raw(" ")];
    for (key, what) in keys {
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    Paragraph::new(Line::from(spans))
}
