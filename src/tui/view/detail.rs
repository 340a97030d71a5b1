//! The detail pane of the selected profile: provider and issuer, identity, role session with an
//! expiry gauge, the selected S3 Access Grant, chain, the last error in full, config issues and
//! the profile's keys (secrets masked by the config module before they reach the state).

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme::{self, Theme};
use crate::config::ProfileKind;
use crate::tui::rows::ProfileRow;
use crate::tui::state::{Activity, App, Status};

const LABEL_WIDTH: usize = 10;

pub fn render(
    app: &App,
    row: &ProfileRow,
    now: DateTime<Utc>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let gauge_width = usize::from(area.width.saturating_sub(LABEL_WIDTH as u16 + 16)).min(30);
    let lines = lines(app, row, now, theme, gauge_width);
    let block = Block::bordered().title(format!(" {} · {} ", row.name, row.kind));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

fn field<'a>(label: &str, value: impl Into<String>, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:<LABEL_WIDTH$}"), theme.dim()),
        Span::raw(value.into()),
    ])
}

fn lines<'a>(
    app: &App,
    row: &ProfileRow,
    now: DateTime<Utc>,
    theme: &Theme,
    gauge_width: usize,
) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if let Activity::Failed { error } = &row.activity {
        for (index, text) in error.lines().enumerate() {
            let label = if index == 0 { "Error" } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("{label:<LABEL_WIDTH$}"), theme.error()),
                Span::styled(text.to_owned(), theme.error()),
            ]));
        }
    }
    if let Some(note) = &row.login_note {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<LABEL_WIDTH$}", "Login"), theme.dim()),
            Span::styled(note.clone(), theme.note()),
        ]));
    }
    if let Some(provider) = row.provider {
        lines.push(field(
            "Provider",
            format!("{} ({})", provider.display_name(), row.detected_by),
            theme,
        ));
    } else if !row.detected_by.is_empty() {
        lines.push(field("Provider", row.detected_by.to_string(), theme));
    }
    if let Some(issuer) = &row.issuer {
        lines.push(field("Issuer", issuer.to_string(), theme));
    }
    if let Some(device) = &row.device_authorization_url {
        lines.push(field("Device", device.clone(), theme));
    }
    if let Some(tokens) = &row.cache.tokens {
        let who = match (&tokens.email, &tokens.subject) {
            (Some(email), Some(sub)) => format!("{email} (sub {sub})"),
            (Some(email), None) => email.clone(),
            (None, Some(sub)) => format!("sub {sub}"),
            (None, None) => "-".to_owned(),
        };
        // IAM Identity Center tokens name nobody runas can read.
        if row.kind != ProfileKind::Sso {
            lines.push(field("Identity", who, theme));
        }
        let left = tokens.expires_at - now;
        let expiry = if left > chrono::Duration::zero() {
            format!("expires in {}", theme::countdown(left))
        } else {
            "expired".to_owned()
        };
        let refresh = if tokens.refresh_token { "yes" } else { "no" };
        let label = if row.kind == ProfileKind::Sso {
            "SSO token"
        } else {
            "ID token"
        };
        lines.push(field(
            label,
            format!("{expiry} · refresh token: {refresh}"),
            theme,
        ));
    } else if app.cache_loaded && row.issuer.is_some() {
        lines.push(field("ID token", "none cached", theme));
    } else if app.cache_loaded && row.kind == ProfileKind::Sso {
        lines.push(field("SSO token", "none cached (Enter logs in)", theme));
    }
    if let Some(role) = &row.role_arn {
        lines.push(field("Role", role.clone(), theme));
    }
    if app.status_of(row, now) == Status::Ready {
        let signed_in_to = row
            .issuer
            .as_deref()
            .map_or("IAM Identity Center", crate::tui::rows::host_of);
        lines.push(field(
            "Ready",
            format!("signed in to {signed_in_to}, role not assumed yet: Enter needs no browser"),
            theme,
        ));
    }
    if let Some(creds) = &row.cache.credentials {
        if let Some(arn) = &creds.assumed_role_arn {
            lines.push(field("Session", arn.clone(), theme));
        }
        if let Some(name) = &creds.session_name {
            lines.push(field("Name", name.clone(), theme));
        }
        let lifetime = (creds.expiration - creds.obtained_at).num_seconds().max(1) as f64;
        let left = creds.expiration - now;
        let fraction = left.num_seconds() as f64 / lifetime;
        let words = if left > chrono::Duration::zero() {
            format!("{} left", theme::countdown(left))
        } else {
            "expired".to_owned()
        };
        let style = if left < crate::tui::state::EXPIRING_WITHIN {
            theme.expiring()
        } else {
            theme.valid()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<LABEL_WIDTH$}", "Expires"), theme.dim()),
            Span::styled(theme::gauge(fraction, gauge_width), style),
            Span::raw(format!(" {words}")),
        ]));
    }
    if let Some((_, grant)) = app.selected_grant() {
        lines.push(field(
            "Grant",
            format!("{} {}", grant.target, grant.permission),
            theme,
        ));
        if let Some(matched) = &grant.matched_grant_target {
            lines.push(field("Matched", matched.clone(), theme));
        }
        let left = grant.expiration - now;
        let words = if left > chrono::Duration::zero() {
            format!("expires in {}", theme::countdown(left))
        } else {
            "expired".to_owned()
        };
        lines.push(field("", words, theme));
    }
    if !row.chain.is_empty() {
        lines.push(field("Chain", row.chain.join(" → "), theme));
    }
    for issue in &row.config_errors {
        lines.push(Line::from(Span::styled(issue.clone(), theme.error())));
    }
    for issue in &row.config_warnings {
        lines.push(Line::from(Span::styled(issue.clone(), theme.note())));
    }
    lines.push(Line::raw(""));
    for entry in row.entries.iter() {
        lines.push(Line::from(vec![
            Span::styled(entry.key.clone(), theme.accent()),
            Span::raw(format!(" = {}", entry.shown_value())),
        ]));
    }
    lines
}
