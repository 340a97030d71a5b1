//! Styles and small text helpers shared by the view's parts. With colour off (`NO_COLOR`) every
//! style keeps only modifiers (bold, reversed), so meaning never depends on colour alone: the
//! status words and symbols carry it too.

use chrono::Duration;
use ratatui::style::{Color, Modifier, Style};

pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Theme {
        Theme { color }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        let style = Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED);
        if self.color {
            style.fg(Color::Cyan)
        } else {
            style
        }
    }
    pub fn strong(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }
    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// Characters a filter matched: underlined too, so they show without colour.
    pub fn matched(&self) -> Style {
        self.fg(Color::Yellow)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn note(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn valid(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn expiring(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn error(&self) -> Style {
        self.fg(Color::Red)
    }
    pub fn progress(&self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    pub fn group(&self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::BOLD)
    }
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn spinner(ticks: u64) -> &'static str {
    SPINNER[(ticks % SPINNER.len() as u64) as usize]
}

/// `1h 02m`, `42m 10s`, `9s`; negative durations count as zero.
pub fn countdown(remaining: Duration) -> String {
    let seconds = remaining.num_seconds().max(0);
    let (hours, minutes, secs) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m {secs:02}s")
    } else {
        format!("{secs}s")
    }
}

/// A text gauge of `width` cells filled in proportion `fraction` (clamped to 0..=1).
pub fn gauge(fraction: f64, width: usize) -> String {
    let filled = ((fraction.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdowns_read_like_a_clock() {
        assert_eq!(countdown(Duration::seconds(42 * 60 + 10)), "42m 10s");
        assert_eq!(countdown(Duration::seconds(3720)), "1h 02m");
        assert_eq!(countdown(Duration::seconds(9)), "9s");
        assert_eq!(countdown(Duration::seconds(-5)), "0s");
    }

    #[test]
    fn a_gauge_fills_in_proportion() {
        assert_eq!(gauge(0.5, 4), "██░░");
        assert_eq!(gauge(2.0, 2), "██");
    }
}
