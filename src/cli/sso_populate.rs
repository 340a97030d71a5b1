//! `runas sso populate`: a `[profile …]` section for every discovered role the config has no
//! profile for, printed on stdout, or with `--write` kept in one marked block of the config
//! file (`--prune` also drops the block's profiles of roles no longer reachable). The write
//! holds the config-writer lock, keeps a backup, keeps the file's mode, and replaces the file
//! atomically; a run that changes nothing writes nothing. No discovery, no write.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::args::SsoPopulateArgs;
use super::output::print_stdout;
use super::session_io::open_session;
use super::sso::{ProfileIndex, discoveries};
use crate::cache::sso_discovery::Discovery;
use crate::config::populate::{self, RoleProfile};

/// The lock every runas writer of the config file takes (a cache lock named after the file).
fn lock_key(path: &Path) -> String {
    format!("config-write:{}", path.display())
}

pub fn run(config: &Path, args: &SsoPopulateArgs) -> anyhow::Result<ExitCode> {
    let session = open_session(config)?;
    let (found, failed) = discoveries(&session, args.session.as_deref(), false)?;
    if failed {
        anyhow::bail!("not every sso-session could be discovered; nothing was written");
    }
    let known = ProfileIndex::of(session.config());
    let mut taken: HashSet<String> = session
        .config()
        .profiles
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let mut new = Vec::new();
    for discovery in &found {
        let region = args.region.clone().or_else(|| {
            session
                .config()
                .sso_session(&discovery.session)
                .and_then(|s| s.region.clone())
        });
        for account in &discovery.accounts {
            for role in &account.roles {
                if known.get(&discovery.session, &account.id, role).is_some() {
                    continue;
                }
                let wanted = populate::sanitise(&populate::fill(
                    &args.template,
                    &discovery.session,
                    &account.name,
                    &account.id,
                    role,
                ));
                new.push(RoleProfile {
                    name: populate::unique(&wanted, &account.id, &mut taken),
                    session: discovery.session.clone(),
                    account_id: account.id.clone(),
                    role_name: role.clone(),
                    region: region.clone(),
                });
            }
        }
    }
    if !args.write {
        let text: String = new.iter().map(|p| format!("{}\n", p.section())).collect();
        print_stdout(&text).context("cannot write to stdout")?;
        eprintln!(
            "runas: {} profiles to add; --write adds them to {}",
            new.len(),
            config.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let path = std::fs::canonicalize(config)
        .with_context(|| format!("cannot resolve {}", config.display()))?;
    let _lock = session
        .store()
        .lock(&lock_key(&path))
        .context("cannot take the config-writer lock")?;
    // Read again under the lock: another writer may have finished meanwhile.
    let before = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let (after, added, pruned) = rewrite(&before, &new, &found, args.prune);
    if after == before {
        eprintln!("runas: {} is up to date", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let backup = replace_file(&path, &before, &after)?;
    eprintln!(
        "runas: {}: {added} profiles added, {pruned} removed (backup: {})",
        path.display(),
        backup.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The new file text, how many sections were added and how many pruned.
fn rewrite(
    before: &str,
    new: &[RoleProfile],
    found: &[Discovery],
    prune: bool,
) -> (String, usize, usize) {
    let reachable: HashSet<(&str, &str, &str)> = found
        .iter()
        .flat_map(|d| {
            d.accounts.iter().flat_map(move |a| {
                a.roles
                    .iter()
                    .map(move |r| (d.session.as_str(), a.id.as_str(), r.as_str()))
            })
        })
        .collect();
    let discovered: HashSet<&str> = found.iter().map(|d| d.session.as_str()).collect();
    let existing = populate::find_block(before)
        .map(|b| b.sections)
        .unwrap_or_default();
    let mut pruned = 0;
    let mut sections: Vec<String> = Vec::new();
    for (text, target) in existing {
        // Only roles of sessions discovered in this run can be known to be gone.
        let gone = target.as_ref().is_some_and(|(s, a, r)| {
            discovered.contains(s.as_str())
                && !reachable.contains(&(s.as_str(), a.as_str(), r.as_str()))
        });
        if prune && gone {
            pruned += 1;
        } else {
            sections.push(text);
        }
    }
    sections.extend(new.iter().map(RoleProfile::section));
    (populate::with_block(before, &sections), new.len(), pruned)
}

/// Keeps `before` as a backup beside `path`, then replaces `path` with `after` atomically
/// (a temp file in the same directory, the original's mode, fsync, rename).
fn replace_file(path: &Path, before: &str, after: &str) -> anyhow::Result<PathBuf> {
    let mode = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .permissions();
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let backup = dir.join(format!("{name}.runas-backup"));
    write_new(&backup, before, mode.clone())?;
    let temp = dir.join(format!(".{name}.runas-{}.tmp", std::process::id()));
    write_new(&temp, after, mode)?;
    std::fs::rename(&temp, path).with_context(|| {
        let _ = std::fs::remove_file(&temp);
        format!("cannot replace {}", path.display())
    })?;
    Ok(backup)
}

fn write_new(path: &Path, text: &str, mode: std::fs::Permissions) -> anyhow::Result<()> {
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(path)?;
        file.set_permissions(mode)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    };
    write().with_context(|| format!("cannot write {}", path.display()))
}
