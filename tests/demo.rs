//! `scripts/demo.sh` as a newcomer runs it, in tmux: its own peers on the ports it picks (a
//! port already taken, as by a second demo, is replaced by a free one), a login with `Enter`,
//! the other profile of the same IdP app then shown as ready, and a device login with `d`
//! that the demo's IdP approves by itself. Everything stays on 127.0.0.1.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use common::tmux::Tmux;

const DEADLINE: Duration = Duration::from_secs(90);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The list line of `profile` on `screen`, if shown.
fn line_of<'a>(screen: &'a str, profile: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|line| line.contains(&format!(" {profile} ")) && !line.contains(" · "))
}

#[test]
fn the_demo_avoids_a_taken_port_logs_in_and_completes_a_device_login() {
    let dir = tempfile::tempdir().unwrap();
    // Held for the whole test: the IdP port the demo asks for is taken, as by another demo.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = dir.path().join("status");
    let script = dir.path().join("run.sh");
    std::fs::write(
        &script,
        format!(
            "export RUNAS_BIN='{binary}' DEMO_IDP_PORT={taken_port} DEMO_AWS_PORT={aws} \
             DEMO_CALLBACK_PORT={callback} TMPDIR='{tmp}' SHELL=/bin/sh NO_COLOR=1 \
             TERM=xterm-256color\n\
             unset AWS_PROFILE RUNAS_PROFILE\n\
             bash '{demo}' 2> '{status}.err'\n\
             echo $? > '{status}'\n",
            binary = env!("CARGO_BIN_EXE_runas"),
            aws = free_port(),
            callback = free_port(),
            tmp = dir.path().display(),
            demo = root.join("scripts/demo.sh").display(),
            status = status.display(),
        ),
    )
    .unwrap();
    let tmux = Tmux::start_sized(dir.path(), &script, 140, 30);
    let diagnostics = || {
        format!(
            "demo stderr: {}",
            std::fs::read_to_string(format!("{}.err", status.display())).unwrap_or_default()
        )
    };
    tmux.wait_screen(
        "the demo's profiles",
        DEADLINE,
        |screen| line_of(screen, "demo-admin").is_some(),
        diagnostics,
    );
    // Enter on demo-admin: a browser login against the demo's own IdP on its new port.
    tmux.keys(&["/", "demo-admin", "Enter"]);
    tmux.keys(&["Enter"]);
    tmux.wait_screen(
        "demo-admin logged in",
        DEADLINE,
        |screen| line_of(screen, "demo-admin").is_some_and(|line| line.contains("m ")),
        diagnostics,
    );
    tmux.keys(&["Escape"]);
    // The other profile of the same IdP app needs no browser now, and says so.
    tmux.wait_screen(
        "demo-readonly shown as ready",
        DEADLINE,
        |screen| {
            line_of(screen, "demo-readonly").is_some_and(|line| line.contains("ready: signed in"))
        },
        diagnostics,
    );
    // d: a device login; the demo's IdP approves the code as alice.
    tmux.keys(&["/", "demo-readonly", "Enter", "d"]);
    tmux.wait_screen(
        "demo-readonly logged in through the device flow",
        DEADLINE,
        |screen| {
            line_of(screen, "demo-readonly").is_some_and(|line| {
                !line.contains("ready") && !line.contains("waiting") && line.contains("m ")
            })
        },
        diagnostics,
    );
    tmux.keys(&["Escape", "Escape", "q"]);
    tmux.wait_screen(
        "the demo to end",
        DEADLINE,
        |_| std::fs::read_to_string(&status).is_ok_and(|s| s.ends_with('\n')),
        diagnostics,
    );
    assert_eq!(std::fs::read_to_string(&status).unwrap().trim(), "0");
    let stderr = diagnostics();
    assert!(
        stderr.contains(&format!("port {taken_port} is taken")),
        "{stderr}"
    );
    drop(taken);
}
