//! `runas doctor`: every link a login of a profile goes through, checked one by one, each with
//! ✓/✗ and, when broken, one line saying how to fix it. A face like the CLI and the TUI: it
//! asks the session (issuer, cache, STS endpoint) and the idp module's step-by-step discovery
//! (`idp::flow::checkup`) and writes nothing anywhere. It never logs in by itself; a live
//! exchange is the caller's (`runas doctor --login`) and only explained here (`exchange`).
//! Nothing it reports carries a secret: tokens are described by their claims and expiry only.

mod exchange;
mod links;
mod port_holder;

pub use exchange::explain_exchange;

use std::fmt::Write as _;

use crate::session::Session;

/// One link of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Short name ("discovery", "callback", …), stable for tests and scripts.
    pub name: &'static str,
    pub ok: bool,
    /// What was found, in one line.
    pub detail: String,
    /// How to repair it; `None` when the link is fine.
    pub fix: Option<String>,
}

impl Link {
    pub fn pass(name: &'static str, detail: impl Into<String>) -> Link {
        Link {
            name,
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    /// A broken link. A multi-line `detail` (an error with its hint) is joined into one line:
    /// the report has one line per link and one for its fix.
    pub fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Link {
        let detail: String = detail.into();
        let detail = detail
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join(" — ");
        Link {
            name,
            ok: false,
            detail,
            fix: Some(fix.into()),
        }
    }
}

/// The links of one profile, in the order a login meets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub profile: String,
    pub links: Vec<Link>,
}

impl Report {
    pub fn all_ok(&self) -> bool {
        self.links.iter().all(|link| link.ok)
    }

    /// The report as text lines: `✓ name  detail`, and under a ✗ its `fix: …`.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for link in &self.links {
            let mut line = String::new();
            let mark = if link.ok { '✓' } else { '✗' };
            // Writing to a String cannot fail.
            let _ = write!(line, "{mark} {:<12} {}", link.name, link.detail);
            lines.push(line);
            if let Some(fix) = &link.fix {
                lines.push(format!("    fix: {fix}"));
            }
        }
        lines
    }

    pub fn text(&self) -> String {
        let mut text = format!("runas doctor {}\n", self.profile);
        for line in self.lines() {
            text.push_str(&line);
            text.push('\n');
        }
        text
    }
}

/// Checks every link of profile `name` that needs no login.
pub async fn diagnose(session: &Session, name: &str) -> Report {
    let mut report = Report {
        profile: name.to_owned(),
        links: Vec::new(),
    };
    links::check(session, name, &mut report.links).await;
    report
}
