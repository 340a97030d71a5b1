//! The TUI's first frame for 100, 1,000 and 10,000 profiles (goal ≤ 50 ms at 10,000, docs/ARCHITECTURE.md "Scale"): everything between
//! reading the config text and a drawn screen — parse, rows (offline provider detection),
//! grouping, and one full draw on a 120×40 `TestBackend`. The terminal and the cache read are
//! left out: the first is the terminal's, the second runs in the background after the frame.

use std::fmt::Write as _;
use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use runas::tui::rows::rows_from_config;
use runas::tui::state::App;

fn main() {
    divan::main();
}

fn generated_config(count: usize) -> String {
    let hosts = [
        "example.okta.com",
        "login.microsoftonline.com",
        "sso.example.test",
    ];
    let mut text = String::new();
    for index in 0..count {
        let host = hosts[index % hosts.len()];
        let _ = write!(
            text,
            "[profile team-{index}]\n\
             web_identity_auth_url = https://{host}/oauth2/default\n\
             web_identity_client_id = client-{}\n\
             web_identity_callback_uri = http://127.0.0.1:8090/callback\n\
             role_arn = arn:aws:iam::{:012}:role/role-{index}\n\
             region = eu-west-1\n\n",
            index % 7,
            100_000_000_000u64 + index as u64,
        );
    }
    text
}

#[divan::bench(args = [100, 1_000, 10_000])]
fn first_frame(bencher: divan::Bencher, count: usize) {
    let text = generated_config(count);
    bencher.bench(|| {
        let config = runas::config::parse(Path::new("/bench/config"), &text);
        let mut app = App::new(
            config.path.clone(),
            rows_from_config(&config, None, chrono::Utc::now()),
            Vec::new(),
        );
        app.resize(120, 40);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        terminal
            .draw(|frame| runas::tui::view::view(&app, chrono::Utc::now(), frame))
            .unwrap();
        // Returned, so divan drops them after the timing: the TUI keeps its config and state
        // after the first frame, and freeing them is no part of showing it.
        (config, app, terminal)
    });
}

/// One keystroke in the `/` filter on a 10,000-profile list: `update` (re-rank every row) and
/// the redrawn frame (goal ≤ 16 ms, one frame at 60 Hz). The query already holds `team-99`, as
/// when a person is typing; the key adds `9`.
#[divan::bench]
fn filter_keystroke_10k(bencher: divan::Bencher) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use runas::tui::msg::Msg;
    use runas::tui::update::update;

    let text = generated_config(10_000);
    let config = runas::config::parse(Path::new("/bench/config"), &text);
    let mut app = App::new(
        config.path.clone(),
        rows_from_config(&config, None, chrono::Utc::now()),
        Vec::new(),
    );
    app.resize(120, 40);
    let key = |c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    for c in "/team-99".chars() {
        update(&mut app, key(c));
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    bencher
        .with_inputs(|| app.clone())
        .bench_local_values(|mut app| {
            update(&mut app, key('9'));
            terminal
                .draw(|frame| runas::tui::view::view(&app, chrono::Utc::now(), frame))
                .unwrap();
            divan::black_box(app.items.len());
            app
        });
}

/// The first frame at 10,000 profiles split into its steps, to see where the time goes:
/// parsing the config, building the rows, grouping them into the list, drawing.
mod phases_10k {
    use super::*;

    #[divan::bench]
    fn parse(bencher: divan::Bencher) {
        let text = generated_config(10_000);
        bencher.bench(|| runas::config::parse(Path::new("/bench/config"), &text));
    }

    #[divan::bench]
    fn rows(bencher: divan::Bencher) {
        let text = generated_config(10_000);
        let config = runas::config::parse(Path::new("/bench/config"), &text);
        bencher.bench(|| rows_from_config(&config, None, chrono::Utc::now()));
    }

    #[divan::bench]
    fn app(bencher: divan::Bencher) {
        let text = generated_config(10_000);
        let config = runas::config::parse(Path::new("/bench/config"), &text);
        let rows = rows_from_config(&config, None, chrono::Utc::now());
        bencher.with_inputs(|| rows.clone()).bench_values(|rows| {
            let mut app = App::new(config.path.clone(), rows, Vec::new());
            app.resize(120, 40);
            app
        });
    }

    #[divan::bench]
    fn draw(bencher: divan::Bencher) {
        let text = generated_config(10_000);
        let config = runas::config::parse(Path::new("/bench/config"), &text);
        let mut app = App::new(
            config.path.clone(),
            rows_from_config(&config, None, chrono::Utc::now()),
            Vec::new(),
        );
        app.resize(120, 40);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        bencher.bench_local(|| {
            terminal
                .draw(|frame| runas::tui::view::view(&app, chrono::Utc::now(), frame))
                .unwrap();
        });
    }
}
