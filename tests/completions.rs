//! `runas completions SHELL` in the real shells, in tmux: the generated code, loaded the way
//! README says, completes `runas login de<TAB>` to the profile names of the config that start
//! with `de` (and not the others), and a subcommand prefix to its name. Needs no peers: the
//! completion reads only the config file.

#![cfg(unix)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::cli::runas_binary;
use common::tmux::Tmux;

const DEADLINE: Duration = Duration::from_secs(30);

/// A directory with a config of three profiles, `runas` on a PATH of its own, and a script
/// that starts `shell_command` with that environment.
fn setup(dir: &Path, rc_name: &str, rc: &str, shell_command: &str) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(runas_binary(), bin.join("runas")).unwrap();
    std::fs::write(
        dir.join("config"),
        "[profile dev-admin]\nregion = eu-west-1\n\n[profile dev-ro]\n\n[profile prod]\n",
    )
    .unwrap();
    std::fs::write(dir.join(rc_name), rc).unwrap();
    let script = dir.join("start.sh");
    std::fs::write(
        &script,
        format!(
            "export HOME='{dir}' ZDOTDIR='{dir}' XDG_CONFIG_HOME='{dir}/xdg' \
             PATH='{bin}:/usr/bin:/bin' AWS_CONFIG_FILE='{dir}/config' TERM=xterm-256color \
             RUNAS_CACHE_DIR='{dir}/cache'\n\
             unset RUNAS_PROFILE\n\
             exec {shell_command}\n",
            dir = dir.display(),
            bin = bin.display(),
        ),
    )
    .unwrap();
    script
}

/// Types `runas login de`, presses TAB until both `de` profiles are listed, and checks that
/// `prod` never is.
fn completes_profile_names(dir: &Path, script: &Path, prompt: &str) {
    let tmux = Tmux::start_sized(dir, script, 120, 30);
    tmux.wait_screen(
        "the shell's prompt",
        DEADLINE,
        |screen| screen.contains(prompt),
        String::new,
    );
    tmux.keys(&["runas login de"]);
    tmux.keys(&["Tab"]);
    let screen = tmux.wait_screen(
        "both dev- profiles offered",
        DEADLINE,
        |screen| {
            let listed = screen.contains("dev-admin") && screen.contains("dev-ro");
            if !listed {
                // Shells that first insert the common prefix list on the next TAB.
                tmux.keys(&["Tab"]);
            }
            listed
        },
        String::new,
    );
    assert!(screen.contains("runas login dev-"), "{screen}");
    assert!(!screen.contains("prod"), "{screen}");
    // A subcommand prefix completes to its name.
    tmux.keys(&["C-u", "runas cons", "Tab"]);
    tmux.wait_screen(
        "the console subcommand completed",
        DEADLINE,
        |screen| screen.contains("runas console"),
        String::new,
    );
}

#[test]
fn bash_completes_profile_names() {
    let dir = tempfile::tempdir().unwrap();
    let script = setup(
        dir.path(),
        "bashrc",
        "PS1='bash-ready$ '\nsource <(runas completions bash)\n",
        &format!(
            "bash --noprofile --rcfile '{}/bashrc' -i",
            dir.path().display()
        ),
    );
    completes_profile_names(dir.path(), &script, "bash-ready$");
}

#[test]
fn zsh_completes_profile_names() {
    let dir = tempfile::tempdir().unwrap();
    let script = setup(
        dir.path(),
        ".zshrc",
        "PS1='zsh-ready%% '\nautoload -Uz compinit && compinit -u\nsource <(runas completions zsh)\n",
        "zsh -i",
    );
    completes_profile_names(dir.path(), &script, "zsh-ready%");
}

#[test]
fn fish_completes_profile_names() {
    let dir = tempfile::tempdir().unwrap();
    let script = setup(
        dir.path(),
        "fishrc",
        "function fish_prompt; echo -n 'fish-ready> '; end\nfunction fish_greeting; end\n\
         runas completions fish | source\n",
        &format!(
            "fish --no-config -C 'source {}/fishrc'",
            dir.path().display()
        ),
    );
    completes_profile_names(dir.path(), &script, "fish-ready>");
}

#[test]
fn every_shell_gets_code_that_calls_runas_back() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let output = std::process::Command::new(runas_binary())
            .args(["completions", shell])
            .env_remove("COMPLETE")
            .output()
            .unwrap();
        assert!(output.status.success(), "{shell}");
        let code = String::from_utf8(output.stdout).unwrap();
        assert!(code.contains("COMPLETE"), "{shell}: {code}");
        assert!(code.contains(runas_binary()), "{shell}: {code}");
    }
}
