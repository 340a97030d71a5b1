//! Keeping runas alive while a child owns the terminal. Ctrl-C and Ctrl-\ reach every process
//! in the foreground group, so they hit runas as well as the command it runs; the child decides
//! what they mean (a REPL or `aws ssm start-session` survives them), and runas dying there would
//! orphan the child and lose its exit status. Owns the process's SIGINT and SIGQUIT
//! dispositions while at least one child runs, and nothing else.
//!
//! A do-nothing handler is installed rather than `SIG_IGN` because handlers are reset to the
//! default across `exec` while ignored signals are inherited: the child starts with the
//! dispositions it would have had anyway.
//!
//! Dispositions belong to the whole process, and children can overlap (the TUI's effects and
//! a credentials endpoint run beside a shell; tests run in parallel threads). Each guard is one
//! hold on a shared installation: the first hold installs the handler and remembers what was
//! there, the last one to go puts it back. A guard dropped while another child still runs
//! therefore never makes Ctrl-C fatal again under that child.

use std::io;
use std::mem::MaybeUninit;
use std::sync::{Mutex, MutexGuard};

const FORWARDED: [libc::c_int; 2] = [libc::SIGINT, libc::SIGQUIT];

/// How many guards are alive, and the dispositions to restore when the last one goes.
struct Installation {
    holders: usize,
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

static INSTALLATION: Mutex<Installation> = Mutex::new(Installation {
    holders: 0,
    previous: Vec::new(),
});

fn installation() -> MutexGuard<'static, Installation> {
    // A panic while holding the lock leaves the counts as they were before the panicking
    // call changed them (each change is a single assignment after the syscalls), so the data
    // is still meaningful.
    INSTALLATION
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One hold on the installed handler; the dispositions are restored when the last is dropped.
pub(crate) struct TerminalSignalsLeftToChild {
    _private: (),
}

extern "C" fn do_nothing(_signal: libc::c_int) {}

impl TerminalSignalsLeftToChild {
    pub(crate) fn install() -> io::Result<Self> {
        let mut installation = installation();
        if installation.holders == 0 {
            let mut previous = Vec::with_capacity(FORWARDED.len());
            for signal in FORWARDED {
                match replace_with_do_nothing(signal) {
                    Ok(old) => previous.push((signal, old)),
                    Err(err) => {
                        restore(&mut previous);
                        return Err(err);
                    }
                }
            }
            installation.previous = previous;
        }
        installation.holders += 1;
        Ok(TerminalSignalsLeftToChild { _private: () })
    }
}

impl Drop for TerminalSignalsLeftToChild {
    fn drop(&mut self) {
        let mut installation = installation();
        installation.holders -= 1;
        if installation.holders == 0 {
            let mut previous = std::mem::take(&mut installation.previous);
            let forwarded = forwarded_set();
            let blocked = block(&forwarded);
            discard_pending(&forwarded);
            restore(&mut previous);
            if let Some(mask) = blocked {
                unblock(&mask);
            }
        }
    }
}

/// Blocks `set` in this thread, returning the mask to put back (`None` if the kernel
/// refused, which leaves the small window below open but changes nothing else).
fn block(set: &libc::sigset_t) -> Option<libc::sigset_t> {
    // SAFETY: `previous` is zeroed (a valid sigset_t) and both pointers are valid for the call.
    unsafe {
        let mut previous: libc::sigset_t = MaybeUninit::zeroed().assume_init();
        (libc::pthread_sigmask(libc::SIG_BLOCK, set, &mut previous) == 0).then_some(previous)
    }
}

/// The set of the signals this module keeps from killing runas.
fn forwarded_set() -> libc::sigset_t {
    // SAFETY: the set is zeroed, then initialised by sigemptyset/sigaddset before it is used.
    unsafe {
        let mut set: libc::sigset_t = MaybeUninit::zeroed().assume_init();
        libc::sigemptyset(&mut set);
        for signal in FORWARDED {
            libc::sigaddset(&mut set, signal);
        }
        set
    }
}

/// Takes every signal of `set` still pending for the process. A Ctrl-C sent while the child
/// ran is pending until some thread of runas runs its handler; if the last guard put the
/// default disposition back first, that late delivery killed runas after the child had
/// ended (the signal test failed this way on a loaded machine: the process-wide signal was
/// given to another thread that had not yet run). Called with the signals blocked in this
/// thread, so the wait takes them instead of a handler; a signal another thread has already
/// taken runs the do-nothing handler, as the kernel chose it under the same lock.
fn discard_pending(set: &libc::sigset_t) {
    let no_wait = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: the set is initialised; a zero timeout makes the wait a poll; a null info
    // pointer is allowed.
    while unsafe { libc::sigtimedwait(set, std::ptr::null_mut(), &no_wait) } > 0 {}
}

fn unblock(mask: &libc::sigset_t) {
    // SAFETY: `mask` is the thread's own earlier mask, as pthread_sigmask reported it.
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, mask, std::ptr::null_mut());
    }
}

/// Installs `do_nothing` for `signal` and returns the disposition it replaced.
fn replace_with_do_nothing(signal: libc::c_int) -> io::Result<libc::sigaction> {
    // SAFETY: an all-zero sigaction is a valid value (empty mask, no flags) that is filled in
    // before use; `do_nothing` is async-signal-safe because it does nothing; both pointers
    // passed to sigaction are valid for the duration of the call.
    unsafe {
        let mut action: libc::sigaction = MaybeUninit::zeroed().assume_init();
        action.sa_sigaction = do_nothing as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        let mut previous: libc::sigaction = MaybeUninit::zeroed().assume_init();
        if libc::sigaction(signal, &action, &mut previous) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(previous)
    }
}

/// Puts back dispositions in the reverse order they were replaced.
fn restore(previous: &mut Vec<(libc::c_int, libc::sigaction)>) {
    for (signal, action) in previous.drain(..).rev() {
        // SAFETY: `action` is the disposition sigaction itself reported for this signal.
        // Failure is ignored: restoring a disposition the kernel just accepted cannot fail.
        unsafe {
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// The handler currently installed for `signal` (tests only: reading is harmless, but only
/// tests need it).
#[cfg(test)]
fn current_handler(signal: libc::c_int) -> libc::sighandler_t {
    // SAFETY: a null new action only reads the current one into a valid, zeroed struct.
    unsafe {
        let mut current: libc::sigaction = MaybeUninit::zeroed().assume_init();
        libc::sigaction(signal, std::ptr::null(), &mut current);
        current.sa_sigaction
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::in_own_process;

    /// Overlapping children: the first guard to go must leave the handler in place for the
    /// second. Runs in a process of its own so no other test's guard takes part.
    #[test]
    fn handler_stays_until_the_last_child_is_done() {
        in_own_process(
            "shell::signals::tests::handler_stays_until_the_last_child_is_done",
            || {
                let default = current_handler(libc::SIGINT);
                let ours = do_nothing as extern "C" fn(libc::c_int) as libc::sighandler_t;
                let first = TerminalSignalsLeftToChild::install().unwrap();
                let second = TerminalSignalsLeftToChild::install().unwrap();
                drop(first);
                assert_eq!(current_handler(libc::SIGINT), ours);
                assert_eq!(current_handler(libc::SIGQUIT), ours);
                drop(second);
                assert_eq!(current_handler(libc::SIGINT), default);
                let third = TerminalSignalsLeftToChild::install().unwrap();
                assert_eq!(current_handler(libc::SIGINT), ours);
                drop(third);
                assert_eq!(current_handler(libc::SIGINT), default);
            },
        );
    }
}
