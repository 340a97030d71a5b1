//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.
//!
//! The `/` filter through `update` and the view: rows ranked best first without group
//! headings, the matched characters of each name highlighted, and a filter that matches
//! nothing saying so.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

use super::state::{App, ListItem};
use super::test_fixtures::{app_from, char_key, key, now};
use super::update::update;
use super::view::view;

const PROFILES: &str = "\
[profile p09919]
region = eu-west-1

[profile p09990]
region = eu-west-1

[profile zeta-admin]
web_identity_auth_url = https://example.okta.com/oauth2/default
web_identity_client_id = 0oa1b2c3d4
role_arn = arn:aws:iam::123456789012:role/zeta-admin
";

fn type_filter(app: &mut App, query: &str) {
    update(app, char_key('/'));
    for c in query.chars() {
        update(app, char_key(c));
    }
}

fn shown(app: &App) -> Vec<String> {
    app.items
        .iter()
        .map(|item| match item {
            ListItem::Group(name) => format!("# {name}"),
            ListItem::Profile(index) => app.rows[*index].name.clone(),
            ListItem::Grant { .. } => "grant".into(),
        })
        .collect()
}

#[test]
fn the_best_match_comes_first_and_headings_go_while_filtering() {
    let mut app = app_from(PROFILES);
    assert!(shown(&app).iter().any(|line| line.starts_with("# ")));
    type_filter(&mut app, "p0999");
    assert_eq!(shown(&app), ["p09990", "p09919"]);
    // The selection follows the best match.
    assert_eq!(app.selected_row().unwrap().name, "p09990");
    update(&mut app, key(crossterm::event::KeyCode::Esc));
    assert!(shown(&app).iter().any(|line| line.starts_with("# ")));
    assert_eq!(shown(&app).len(), 3 + 2);
}

#[test]
fn matched_characters_of_a_name_are_highlighted() {
    let mut app = app_from(PROFILES);
    type_filter(&mut app, "zadm");
    let mut terminal = Terminal::new(TestBackend::new(100, 20)).unwrap();
    terminal.draw(|frame| view(&app, now(), frame)).unwrap();
    let buffer = terminal.backend().buffer();
    let row = (0..buffer.area.height)
        .find(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, *y)].symbol())
                .collect::<String>()
                .contains("zeta-admin ")
        })
        .unwrap();
    let line: String = (0..buffer.area.width)
        .map(|x| buffer[(x, row)].symbol())
        .collect();
    let start = line.find("zeta-admin").unwrap();
    let start = u16::try_from(line[..start].chars().count()).unwrap();
    let underlined: Vec<bool> = (0..10)
        .map(|offset| {
            buffer[(start + offset, row)]
                .modifier
                .contains(Modifier::UNDERLINED)
        })
        .collect();
    // z e t a - a d m i n: z, a (of admin), d, m
    assert_eq!(
        underlined,
        [
            true, false, false, false, false, true, true, true, false, false
        ]
    );
}

#[test]
fn a_filter_that_matches_nothing_says_so() {
    let mut app = app_from(PROFILES);
    type_filter(&mut app, "qqqq");
    assert!(app.items.is_empty());
    let screen = super::test_fixtures::draw(&mut app, 100, 20);
    assert!(screen.contains("nothing matches the filter"), "{screen}");
    assert!(screen.contains("Profiles (0 of 3)"), "{screen}");
}
