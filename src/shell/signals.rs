//! Keeping runas alive while a child owns the terminal. Ctrl-C and Ctrl-\ reach every process
//! in the foreground group, so they hit runas as well as the command it runs; the child decides
//! what they mean (a REPL or `aws ssm start-session` survives them), and runas dying there would
//! orphan the child and lose its exit status. Owns the process's SIGINT and SIGQUIT
//! dispositions for the duration of one child, and nothing else.
//!
//! A do-nothing handler is installed rather than `SIG_IGN` because handlers are reset to the
//! default across `exec` while ignored signals are inherited: the child starts with the
//! dispositions it would have had anyway.

use std::io;
use std::mem::MaybeUninit;

const FORWARDED: [libc::c_int; 2] = [libc::SIGINT, libc::SIGQUIT];

/// Restores the previous dispositions when dropped.
pub(crate) struct TerminalSignalsLeftToChild {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

extern "C" fn do_nothing(_signal: libc::c_int) {}

impl TerminalSignalsLeftToChild {
    pub(crate) fn install() -> io::Result<Self> {
        let mut guard = TerminalSignalsLeftToChild {
            previous: Vec::with_capacity(FORWARDED.len()),
        };
        for signal in FORWARDED {
            // SAFETY: an all-zero sigaction is a valid value (empty mask, no flags) that is
            // filled in before use; `do_nothing` is async-signal-safe because it does nothing;
            // both pointers passed to sigaction are valid for the duration of the call.
            unsafe {
                let mut action: libc::sigaction = MaybeUninit::zeroed().assume_init();
                action.sa_sigaction =
                    do_nothing as extern "C" fn(libc::c_int) as libc::sighandler_t;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                let mut previous: libc::sigaction = MaybeUninit::zeroed().assume_init();
                if libc::sigaction(signal, &action, &mut previous) != 0 {
                    // Dropping the guard puts back the dispositions already changed.
                    return Err(io::Error::last_os_error());
                }
                guard.previous.push((signal, previous));
            }
        }
        Ok(guard)
    }
}

impl Drop for TerminalSignalsLeftToChild {
    fn drop(&mut self) {
        for (signal, previous) in self.previous.drain(..).rev() {
            // SAFETY: `previous` is the action sigaction itself reported for this signal.
            // Failure is ignored: restoring a disposition the kernel just accepted cannot fail.
            unsafe {
                libc::sigaction(signal, &previous, std::ptr::null_mut());
            }
        }
    }
}
