//! The config fixtures of `tests/fixtures/config/` as the config tests read them, with their
//! issues turned into the `FILE:LINE: …` text a person sees, the path shortened to the
//! fixture's name so expected texts do not depend on where the repository lives.

use std::path::{Path, PathBuf};

use runas::config::{self, Config, ConfigIssue};

pub fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
}

pub fn load(name: &str) -> Config {
    config::load(&path(name)).expect("fixture must be readable")
}

/// Each issue as shown to a person, the fixture's path replaced by its name.
pub fn texts<'a>(issues: impl Iterator<Item = &'a ConfigIssue>, name: &str) -> Vec<String> {
    let shown = path(name).display().to_string();
    issues
        .map(|issue| issue.to_string().replacen(&shown, name, 1))
        .collect()
}
