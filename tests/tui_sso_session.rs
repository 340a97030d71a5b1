//! An sso-session profile in the TUI, end to end in tmux against the peers' Identity Center.

#![cfg(unix)]

mod common;

use std::path::Path;

use common::ACCOUNT_ID;
use common::cli::RUN_DEADLINE;
use common::count;
use common::sso_home::{identity_center, token_path};
use common::tmux::{TMUX, Tmux};

/// The TUI in tmux: the sso row shows its badge, account and role; Enter runs the device login
/// (approved by `$BROWSER`) and the row gets a countdown.
#[test]
fn the_tui_logs_an_sso_profile_in_with_enter() {
    if !Path::new(TMUX).exists() {
        eprintln!("skipped: {TMUX} is not installed");
        return;
    }
    let (peers, home) = identity_center();
    let script = home.path().join("tui.sh");
    let follow = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/follow.sh");
    std::fs::write(
        &script,
        format!(
            "export HOME='{home}' AWS_CONFIG_FILE='{config}' RUNAS_CACHE_DIR='{home}/runas-cache' \
             AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ENDPOINT_URL='{endpoint}' \
             AWS_EC2_METADATA_DISABLED=true BROWSER='{browser}' NO_COLOR=1 TERM=xterm-256color\n\
             '{binary}' 2> '{home}/tui.err'\n",
            home = home.path().display(),
            config = home.config_path().display(),
            endpoint = peers.aws_endpoint(),
            browser = follow.display(),
            binary = common::cli::runas_binary(),
        ),
    )
    .expect("write the TUI script");
    let tmux = Tmux::start_sized(home.path(), &script, 120, 30);
    let corp_line = |screen: &str| {
        // The list pane is the first bordered cell of a line.
        screen
            .lines()
            .filter_map(|line| line.split('│').nth(1))
            .find(|cell| cell.contains(" corp ") && cell.contains(" sso "))
            .map(str::to_owned)
    };
    let wait = |what: &str, check: &dyn Fn(&str) -> bool| {
        tmux.wait_screen(what, RUN_DEADLINE, check, String::new)
    };
    let listed = wait("the corp row, never logged in", &|s| {
        corp_line(s).is_some_and(|line| line.contains("never logged in"))
    });
    assert!(
        corp_line(&listed).is_some_and(|line| line.contains(ACCOUNT_ID)),
        "{listed}"
    );
    // The rows sort by name: corp comes before nope; select it explicitly.
    tmux.keys(&["g"]);
    tmux.keys(&["Enter"]);
    let logged_in = wait("a countdown on the corp row", &|s| {
        // "59m 58s" or "7h 59m": two number-unit words in a row.
        corp_line(s).is_some_and(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            words.windows(2).any(|pair| {
                let number_with = |word: &str, units: &[char]| {
                    word.strip_suffix(units)
                        .is_some_and(|n| n.parse::<u32>().is_ok())
                };
                number_with(pair[0], &['h', 'm']) && number_with(pair[1], &['m', 's'])
            })
        })
    });
    tmux.keys(&["q"]);
    drop(tmux);
    assert!(token_path(&home).exists(), "{logged_in}");
    let stats = peers.aws_stats();
    assert_eq!(
        count(&stats, "sso-oidc:StartDeviceAuthorization"),
        1,
        "{stats:?}"
    );
}
