//! Running one command with a hand-off's environment (`runas exec PROFILE -- CMD…`), with the
//! terminal (stdin, stdout, stderr) inherited, and turning its status into the exit code runas
//! passes through. Owns child processes only; the caller decides what to print and how to exit.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::process::{Command, ExitStatus};

use super::{Environment, Handoff, ShellError};

/// Runs `program` with `args` and the credentials of `handoff`, and waits for it.
pub fn run<I, A>(
    handoff: &Handoff,
    program: impl AsRef<OsStr>,
    args: I,
) -> Result<ExitStatus, ShellError>
where
    I: IntoIterator<Item = A>,
    A: AsRef<OsStr>,
{
    run_with(&handoff.environment(), program.as_ref(), args, None)
}

/// Shared by [`run`] and the subshell: spawn with the environment applied, wait, translate.
/// With `terminal`, the child's stdin, stdout and stderr are that terminal instead of
/// runas's own (which may be a pipe, as in `eval "$(runas)"`).
pub(crate) fn run_with<I, A>(
    environment: &Environment,
    program: &OsStr,
    args: I,
    terminal: Option<&File>,
) -> Result<ExitStatus, ShellError>
where
    I: IntoIterator<Item = A>,
    A: AsRef<OsStr>,
{
    let program_name = program.to_string_lossy().into_owned();
    let mut command = Command::new(program);
    command.args(args);
    environment.apply_to(&mut command);
    if let Some(terminal) = terminal {
        let handle = || {
            terminal.try_clone().map_err(|source| ShellError::Spawn {
                program: program_name.clone(),
                source,
            })
        };
        command.stdin(handle()?).stdout(handle()?).stderr(handle()?);
    }
    // Installed before the spawn so no Ctrl-C can fall between the two. Failing to install it
    // only loses that protection, which is no reason to refuse to run the command.
    #[cfg(unix)]
    let _signals = super::signals::TerminalSignalsLeftToChild::install()
        .inspect_err(|err| tracing::debug!("terminal signals stay fatal to runas: {err}"))
        .ok();
    let mut child = command.spawn().map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => ShellError::ProgramNotFound {
            program: program_name.clone(),
        },
        _ => ShellError::Spawn {
            program: program_name.clone(),
            source,
        },
    })?;
    child.wait().map_err(|source| ShellError::Wait {
        program: program_name,
        source,
    })
}

/// The exit code to leave with so a caller sees what the child did: its own code, or, for a
/// child killed by a signal on unix, 128 + the signal number as shells report it.
pub fn exit_code(status: ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    // Neither a code nor a signal (not produced on the supported platforms): report failure.
    1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::test_support::handoff;

    #[test]
    fn missing_program_is_named_in_the_error() {
        let err = run(
            &handoff("s", "t", None),
            "runas-no-such-program-xyz",
            ["--flag"],
        )
        .unwrap_err();
        assert!(
            matches!(&err, ShellError::ProgramNotFound { program } if program == "runas-no-such-program-xyz"),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("`runas-no-such-program-xyz`"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn exit_codes_and_signals_pass_through() {
        let handoff = handoff("s", "t", None);
        let status = run(&handoff, "sh", ["-c", "exit 7"]).unwrap();
        assert_eq!(exit_code(status), 7);
        let status = run(&handoff, "sh", ["-c", "kill -TERM $$"]).unwrap();
        assert_eq!(exit_code(status), 128 + 15);
    }

    /// A terminal Ctrl-C reaches runas and the child alike: runas must outlive it and report
    /// the child's status, while the child keeps the default (fatal) disposition.
    #[cfg(unix)]
    #[test]
    fn interrupt_is_left_to_the_child() {
        // The child signals the whole test process: it runs in a process of its own so the
        // signal reaches no other test.
        crate::test_support::in_own_process(
            "shell::exec::tests::interrupt_is_left_to_the_child",
            || {
                let status = run(
                    &handoff("s", "t", None),
                    "sh",
                    ["-c", "kill -INT $PPID; kill -INT $$; exit 3"],
                )
                .unwrap();
                assert_eq!(exit_code(status), 128 + 2);
            },
        );
    }
}
