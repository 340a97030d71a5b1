//! The doctor overlay (`D`): the report lines of `crate::doctor`, ✓ in the valid colour, ✗ and
//! its fix in the error colour, while it is checked a spinner. Pure: drawn from the state.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::overlay::centered;
use super::theme::{self, Theme};
use crate::tui::state::App;

pub fn render(
    app: &App,
    profile: &str,
    report: Option<&[String]>,
    theme: &Theme,
    frame: &mut Frame,
) {
    let lines: Vec<Line> = match report {
        None => vec![Line::from(Span::styled(
            format!("{} checking each link…", theme::spinner(app.ticks)),
            theme.progress(),
        ))],
        Some(report) => report
            .iter()
            .map(|line| {
                let style = if line.starts_with('✓') {
                    theme.valid()
                } else {
                    theme.error()
                };
                Line::from(Span::styled(line.clone(), style))
            })
            .collect(),
    };
    let screen = frame.area();
    let width = screen.width.saturating_sub(4).min(100);
    // Wrapped lines need more rows than there are lines; the area is clipped to the screen.
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|line| line.width().div_ceil(inner).max(1))
        .sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let area = centered(screen, width, height);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" Doctor · {profile} "))),
        area,
    );
}
