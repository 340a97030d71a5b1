//! Test-only code: compiled solely under its parent module's `#[cfg(test)]`.

use clap::CommandFactory;

use super::Cli;

/// With `Command` deferred, an `Args` struct's doc comment becomes the about text of every
/// subcommand that flattens it: each keeps its own.
#[test]
fn every_subcommand_keeps_its_own_about_text_when_built() {
    Cli::command().debug_assert();
    let mut command = Cli::command();
    command.build();
    let about = |name: &str| {
        let sub = command
            .find_subcommand(name)
            .expect("the subcommand exists");
        sub.get_about()
            .map(|about| about.to_string())
            .unwrap_or_default()
    };
    assert!(about("login").starts_with("Log in to a profile's identity provider"));
    assert!(about("credential-process").starts_with("Print the profile's credentials"));
    assert!(about("console").starts_with("Open the AWS console"));
    let overrides = command
        .find_subcommand("env")
        .expect("env exists")
        .get_arguments()
        .any(|arg| arg.get_id() == "duration");
    assert!(overrides, "the flattened --duration is built into env");
}
