//! Popups drawn over the list: the help overlay, the login modal (browser URL or device code
//! with its QR code) and the question before forgetting a profile.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::theme::{self, Theme};
use crate::tui::qr;
use crate::tui::rows::ProfileRow;
use crate::tui::state::{Activity, App, Stage};

const HELP: &[(&str, &str)] = &[
    ("Enter", "log in and assume the role (browser)"),
    ("d", "log in with a device code"),
    ("r", "refresh: a fresh login and role session"),
    ("s", "open a shell with the credentials"),
    ("S", "shell with a renewing endpoint, not keys"),
    ("e", "quit and print export lines on stdout"),
    ("y", "copy the export lines (OSC 52)"),
    ("a", "get the profile's S3 Access Grant"),
    ("o", "open the AWS console as the role"),
    ("", "s e y on a grant row: its credentials"),
    ("", "sso-session row: Enter log in, r discover"),
    ("x", "forget credentials and IdP login (asks)"),
    ("D", "doctor: check each link of the login"),
    ("/", "filter by name, account, role or provider"),
    ("j k ↑ ↓", "move; PgUp PgDn g G jump"),
    ("Esc", "cancel a login, clear the filter, quit"),
    ("q", "quit"),
];

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

pub fn help(theme: &Theme, frame: &mut Frame) {
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(key, what)| {
            Line::from(vec![
                Span::styled(format!(" {key:<9}"), theme.key()),
                Span::raw(*what),
            ])
        })
        .collect();
    let area = centered(frame.area(), 56, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Keys ")),
        area,
    );
}

pub fn login(app: &App, row: &ProfileRow, theme: &Theme, frame: &mut Frame) {
    let screen = frame.area();
    let width = screen.width.saturating_sub(4).min(72);
    let inner_width = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    match &row.activity {
        Activity::Running { stage, .. } => {
            lines.push(Line::from(Span::styled(
                format!("{} {}", theme::spinner(app.ticks), stage.label()),
                theme.progress(),
            )));
            if let Some(note) = &row.login_note {
                lines.push(Line::from(Span::styled(note.clone(), theme.note())));
            }
            lines.push(Line::raw(""));
            stage_lines(stage, theme, &mut lines, screen.height, inner_width);
        }
        Activity::Failed { error } => {
            lines.extend(
                error
                    .lines()
                    .map(|text| Line::from(Span::styled(text.to_owned(), theme.error()))),
            );
        }
        Activity::Idle => lines.push(Line::raw("done")),
    }
    let area = centered(screen, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    let block = Block::bordered().title(format!(" Log in · {} ", row.name));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

fn stage_lines<'a>(
    stage: &Stage,
    theme: &Theme,
    lines: &mut Vec<Line<'a>>,
    screen_height: u16,
    inner_width: usize,
) {
    match stage {
        Stage::OpenBrowser { url } => {
            lines.push(Line::raw(
                "Log in in the browser. If it did not open, open:",
            ));
            lines.push(Line::from(Span::styled(url.clone(), theme.accent())));
        }
        Stage::BrowserUnavailable { url, reason } => {
            lines.push(Line::from(Span::styled(
                format!("No browser: {reason}"),
                theme.note(),
            )));
            lines.push(Line::raw(
                "Open this URL by hand (or Esc, then d for a device code):",
            ));
            lines.push(Line::from(Span::styled(url.clone(), theme.accent())));
        }
        Stage::DeviceCode {
            user_code,
            verification_uri,
            verification_uri_complete,
        } => {
            lines.push(Line::from(vec![
                Span::raw("Code  "),
                Span::styled(user_code.clone(), theme.strong()),
            ]));
            lines.push(Line::from(vec![
                Span::raw("Open  "),
                Span::styled(verification_uri.clone(), theme.accent()),
            ]));
            let qr_data = verification_uri_complete
                .as_deref()
                .unwrap_or(verification_uri);
            // The QR only when it fits whole; a cut QR code is worse than none.
            match qr::lines(qr_data) {
                Some(code)
                    if code.len() + 9 <= usize::from(screen_height)
                        && code.first().map_or(0, |line| line.chars().count()) <= inner_width =>
                {
                    lines.push(Line::raw(""));
                    lines.extend(code.into_iter().map(Line::raw));
                }
                Some(_) => lines.push(Line::from(Span::styled(
                    "(a larger terminal shows a QR code)",
                    theme.dim(),
                ))),
                None => {}
            }
        }
        _ => {}
    }
}

/// The question `x` asks: what goes, and what it costs next time.
pub fn confirm_forget(profile: &str, theme: &Theme, frame: &mut Frame) {
    let lines = vec![
        Line::raw(format!("Forget {profile}?")),
        Line::raw(""),
        Line::raw("Its cached credentials, S3 Access Grants and IdP login go:"),
        Line::raw("the next use (of every profile of the same IdP app) needs"),
        Line::raw("a browser or device login again."),
        Line::raw(""),
        Line::from(vec![
            Span::styled(" y ", theme.key()),
            Span::raw("forget   "),
            Span::styled(" n ", theme.key()),
            Span::raw("keep"),
        ]),
    ];
    let area = centered(frame.area(), 64, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" Forget ")),
        area,
    );
}
