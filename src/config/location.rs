//! Where the two shared files are: `$AWS_CONFIG_FILE` else `~/.aws/config`, and
//! `$AWS_SHARED_CREDENTIALS_FILE` else `~/.aws/credentials`, with the home directory found as
//! the AWS SDKs find it (`$HOME` first; on Windows then `%USERPROFILE%`, then
//! `%HOMEDRIVE%%HOMEPATH%`). The environment is handed in, so the SDKs' own location cases
//! run against this code; it never reads a file.

use std::ffi::OsString;
use std::path::PathBuf;

/// The platform whose home-directory rules and path separator apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Windows,
    /// Linux, macOS and the other Unixes.
    Unix,
}

impl Platform {
    pub fn current() -> Platform {
        if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Unix
        }
    }

    fn separator(self) -> &'static str {
        match self {
            Platform::Windows => "\\",
            Platform::Unix => "/",
        }
    }
}

/// The config and credentials file paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFiles {
    pub config: Option<PathBuf>,
    pub credentials: Option<PathBuf>,
}

/// `env` reads one variable; `fallback_home` is the home directory the operating system
/// reports, used when no variable names one. A path is `None` only when neither its variable
/// nor a home directory is known.
pub fn shared_files(
    env: &dyn Fn(&str) -> Option<OsString>,
    platform: Platform,
    fallback_home: Option<PathBuf>,
) -> SharedFiles {
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    let home = set("HOME")
        .or_else(|| match platform {
            Platform::Windows => set("USERPROFILE").or_else(|| {
                let mut joined = set("HOMEDRIVE")?;
                joined.push(set("HOMEPATH")?);
                Some(joined)
            }),
            Platform::Unix => None,
        })
        .map(PathBuf::from)
        .or(fallback_home);
    let in_home = |file: &str| {
        home.as_ref().map(|home| {
            let separator = platform.separator();
            let mut path = home.clone().into_os_string();
            path.push(format!("{separator}.aws{separator}{file}"));
            PathBuf::from(path)
        })
    };
    SharedFiles {
        config: set("AWS_CONFIG_FILE")
            .map(PathBuf::from)
            .or_else(|| in_home("config")),
        credentials: set("AWS_SHARED_CREDENTIALS_FILE")
            .map(PathBuf::from)
            .or_else(|| in_home("credentials")),
    }
}

/// The shared files of this process: its environment and the operating system's home.
pub fn current_shared_files() -> SharedFiles {
    shared_files(
        &|name| std::env::var_os(name),
        Platform::current(),
        directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf()),
    )
}
