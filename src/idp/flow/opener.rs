//! Opening the authorization URL in a browser. It owns the `$BROWSER` convention (which the
//! `open` crate ignores): a `:`-separated list of commands tried in order, `%s` replaced by the
//! URL or the URL appended. With no `$BROWSER` it defers to `open::that_detached`, and on Linux
//! and the BSDs it fails fast when there is no display, so the caller can show the URL and offer
//! the device flow instead of waiting on a browser that never appears. It never waits for the
//! browser to exit.

use std::process::{Command, Stdio};

use openidconnect::url::Url;

/// Something that can show a URL to the person logging in. Tests substitute one that plays
/// the browser over HTTP.
pub trait BrowserOpener: Send + Sync {
    /// Starts opening `url`; `Err` says why no browser could be started.
    fn open(&self, url: &Url) -> Result<(), String>;
}

/// The person's browser: `$BROWSER` if set, else the platform opener.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemBrowser;

impl SystemBrowser {
    /// Whether a browser could plausibly open here, without starting one; the session layer asks
    /// this to pick the device flow up front on SSH sessions and headless machines.
    pub fn can_open(&self) -> Result<(), String> {
        let env = |name: &str| std::env::var(name).ok();
        match browser_commands(env("BROWSER").as_deref(), "") {
            commands if !commands.is_empty() => Ok(()),
            _ => display_available(env),
        }
    }
}

impl BrowserOpener for SystemBrowser {
    fn open(&self, url: &Url) -> Result<(), String> {
        let commands = browser_commands(std::env::var("BROWSER").ok().as_deref(), url.as_str());
        if commands.is_empty() {
            display_available(|name| std::env::var(name).ok())?;
            return open::that_detached(url.as_str())
                .map_err(|err| format!("cannot start the system browser: {err}"));
        }
        let mut failures = Vec::new();
        for command in commands {
            match spawn_detached(&command) {
                Ok(()) => return Ok(()),
                Err(err) => failures.push(format!("{}: {err}", command.program)),
            }
        }
        Err(format!(
            "no $BROWSER command started ({})",
            failures.join("; ")
        ))
    }
}

/// One `$BROWSER` alternative, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BrowserCommand {
    program: String,
    args: Vec<String>,
}

/// Parses `$BROWSER` the way xdg-open does: alternatives separated by `:`, each split on
/// whitespace, `%s` replaced by the URL, or the URL appended when there is no `%s`.
fn browser_commands(browser_var: Option<&str>, url: &str) -> Vec<BrowserCommand> {
    let Some(var) = browser_var else {
        return Vec::new();
    };
    var.split(':')
        .filter_map(|alternative| {
            let mut words = alternative.split_whitespace();
            let program = words.next()?.replace("%s", url);
            let mut args: Vec<String> = words.map(|word| word.replace("%s", url)).collect();
            if !alternative.contains("%s") {
                args.push(url.to_owned());
            }
            Some(BrowserCommand { program, args })
        })
        .collect()
}

/// On X11/Wayland desktops a browser needs a display; elsewhere (macOS, Windows) the platform
/// opener always has one.
fn display_available(env: impl Fn(&str) -> Option<String>) -> Result<(), String> {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return Ok(());
    }
    let set = |name: &str| env(name).is_some_and(|value| !value.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        Ok(())
    } else {
        Err("no display (neither DISPLAY nor WAYLAND_DISPLAY nor BROWSER is set)".to_owned())
    }
}

fn spawn_detached(command: &BrowserCommand) -> Result<(), String> {
    let mut child = Command::new(&command.program)
        .args(&command.args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|err| err.to_string())?;
    // Reap the browser launcher when it exits so it does not linger as a zombie; nobody waits
    // for its status.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(program: &str, args: &[&str]) -> BrowserCommand {
        BrowserCommand {
            program: program.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }

    const URL: &str = "http://127.0.0.1:9400/auth?a=1&b=2";

    #[test]
    fn the_url_is_appended_or_substituted() {
        assert_eq!(
            browser_commands(Some("firefox"), URL),
            vec![command("firefox", &[URL])]
        );
        assert_eq!(
            browser_commands(Some("w3m -o x=1 %s"), URL),
            vec![command("w3m", &["-o", "x=1", URL])]
        );
        // Like xdg-open, no shell quoting: words split on whitespace, `%s` replaced inside one.
        assert_eq!(
            browser_commands(Some("open-it --url=%s --new"), URL),
            vec![command("open-it", &[&format!("--url={URL}"), "--new"])]
        );
    }

    #[test]
    fn alternatives_are_split_on_colons_and_empties_skipped() {
        assert_eq!(
            browser_commands(Some("chromium::lynx %s: "), URL),
            vec![command("chromium", &[URL]), command("lynx", &[URL])]
        );
        assert!(browser_commands(Some(""), URL).is_empty());
        assert!(browser_commands(None, URL).is_empty());
    }

    #[test]
    fn no_display_fails_fast_on_unix_desktops() {
        let nothing = |_: &str| None;
        let wayland = |name: &str| (name == "WAYLAND_DISPLAY").then(|| "wayland-0".to_owned());
        let empty_x = |name: &str| (name == "DISPLAY").then(String::new);
        assert!(display_available(wayland).is_ok());
        if cfg!(any(target_os = "macos", target_os = "windows")) {
            assert!(display_available(nothing).is_ok());
        } else {
            let reason = display_available(nothing).unwrap_err();
            assert!(reason.contains("no display"), "{reason}");
            assert!(display_available(empty_x).is_err());
        }
    }

    #[test]
    fn a_missing_browser_program_is_reported() {
        let err = spawn_detached(&command("/nonexistent/runas-test-browser", &[URL])).unwrap_err();
        assert!(!err.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn browser_runs_detached_with_the_url() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("opened");
        let script = dir.path().join("browser.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s' \"$1\" > {}.tmp && mv {0}.tmp {0}\n",
                out.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        spawn_detached(&command(script.to_str().unwrap(), &[URL])).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !out.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "the browser script never ran"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(std::fs::read_to_string(&out).unwrap(), URL);
    }
}
