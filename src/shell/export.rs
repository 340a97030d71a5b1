//! Export lines: the text that, evaluated by a shell (`eval "$(runas env P)"`, `runas env P |
//! source`, `Invoke-Expression`) or read as a file, reproduces a [`Handoff`]'s environment.
//!
//! Owns the quoting rules of each format; every value must come back byte for byte, whatever
//! it contains. Pure text in, text out: it never writes to stdout or touches the environment.
//! Values are quoted even when they look harmless, so no rule depends on guessing which
//! characters are special.

use std::path::Path;
use std::str::FromStr;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::{Environment, Handoff, ShellError, Variable};

/// The syntax to render export lines in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// POSIX sh and its descendants: dash, bash, zsh, ksh.
    Sh,
    Fish,
    PowerShell,
    /// A JSON object of the variables set (removals cannot be expressed and are left out).
    Json,
    /// A `.env` file for docker compose or python-dotenv (removals are left out).
    Dotenv,
}

impl FromStr for Format {
    type Err = ShellError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.to_ascii_lowercase().as_str() {
            "sh" | "bash" | "zsh" => Ok(Format::Sh),
            "fish" => Ok(Format::Fish),
            "powershell" | "pwsh" => Ok(Format::PowerShell),
            "json" => Ok(Format::Json),
            "dotenv" => Ok(Format::Dotenv),
            _ => Err(ShellError::UnknownFormat(name.to_owned())),
        }
    }
}

impl Format {
    /// The format for the shell at `path` (normally `$SHELL`): its file name decides, and
    /// anything unrecognised is taken to be POSIX-like, which is what most shells accept. Both
    /// separators are honoured whatever the platform, so a Windows path read on unix (or the
    /// reverse, as under Git Bash or WSL) still resolves.
    pub fn from_shell_path(path: impl AsRef<Path>) -> Format {
        let path = path.as_ref().to_string_lossy();
        let file_name = path.rsplit(['/', '\\']).next().unwrap_or_default();
        let lowered = file_name.to_ascii_lowercase();
        let name = lowered.strip_suffix(".exe").unwrap_or(&lowered);
        match name.trim_start_matches('-') {
            "fish" => Format::Fish,
            "pwsh" | "powershell" => Format::PowerShell,
            _ => Format::Sh,
        }
    }
}

/// The export lines for `handoff` in `format`, each ending in a newline: removals first, so a
/// variable both removed and set (never the case today) would end up set.
pub fn render(handoff: &Handoff, format: Format) -> String {
    render_environment(&handoff.environment(), format)
}

/// The export lines of any environment change (the credentials endpoint's variables use it).
pub fn render_environment(environment: &Environment, format: Format) -> String {
    let mut out = String::new();
    match format {
        Format::Json => return render_json(&environment.set),
        Format::Dotenv => {
            for variable in &environment.set {
                out.push_str(variable.name);
                out.push('=');
                out.push_str(&dotenv_quote(variable.value.expose()));
                out.push('\n');
            }
            return out;
        }
        Format::Sh | Format::Fish | Format::PowerShell => {}
    }
    for name in &environment.unset {
        let line = match format {
            Format::Fish => format!("set -e {name}\n"),
            Format::PowerShell => format!("Remove-Item Env:{name} -ErrorAction SilentlyContinue\n"),
            _ => format!("unset {name}\n"),
        };
        out.push_str(&line);
    }
    for Variable { name, value } in &environment.set {
        let value = value.expose();
        let line = match format {
            Format::Fish => format!("set -gx {name} {}\n", fish_quote(value)),
            Format::PowerShell => format!("$Env:{name} = {}\n", powershell_quote(value)),
            _ => format!("export {name}={}\n", sh_quote(value)),
        };
        out.push_str(&line);
    }
    out
}

/// POSIX single quotes: nothing inside is special, so the only character needing care is `'`
/// itself, written as close-quote, escaped quote, reopen.
pub fn sh_quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for ch in value.chars() {
        if ch == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(ch);
        }
    }
    quoted.push('\'');
    quoted
}

/// Fish single quotes: unlike POSIX, `\'` and `\\` are escapes inside them (any other backslash
/// is literal), so both must be escaped.
pub fn fish_quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for ch in value.chars() {
        if ch == '\'' || ch == '\\' {
            quoted.push('\\');
        }
        quoted.push(ch);
    }
    quoted.push('\'');
    quoted
}

/// PowerShell verbatim (single-quoted) strings: a quote is escaped by doubling it, and
/// PowerShell also treats the typographic single quotes U+2018..U+201B as quotes, so those are
/// doubled too (each doubled with itself, which PowerShell reads back as one).
pub fn powershell_quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for ch in value.chars() {
        if matches!(ch, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            quoted.push(ch);
        }
        quoted.push(ch);
    }
    quoted.push('\'');
    quoted
}

/// `.env` double quotes, using only the escapes that docker compose (compose-go / godotenv) and
/// python-dotenv both decode the same way: `\\`, `\"`, `\n` (line feed), `\r` (carriage
/// return). Every other character is written as is; a tab stays a literal tab.
///
/// Known limit: both readers interpolate `${NAME}` inside double quotes (compose also `$NAME`)
/// and they disagree on how to escape `$`, so a value containing `$` cannot be written
/// portably. runas's values (key ids, base64 secrets, RFC 3339 times, regions) never contain
/// one; only an unusual profile name in `RUNAS_PROFILE` could.
pub fn dotenv_quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for ch in value.chars() {
        match ch {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            _ => quoted.push(ch),
        }
    }
    quoted.push('"');
    quoted
}

/// Keeps the variables in their documented order, which a `serde_json::Map` would sort.
struct OrderedVariables<'a>(&'a [Variable]);

impl Serialize for OrderedVariables<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for variable in self.0 {
            map.serialize_entry(variable.name, variable.value.expose())?;
        }
        map.end()
    }
}

fn render_json(variables: &[Variable]) -> String {
    // Serialising string keys and string values into a String cannot fail.
    let mut json = serde_json::to_string_pretty(&OrderedVariables(variables)).unwrap_or_default();
    json.push('\n');
    json
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
