//! Helpers shared by unit tests across modules.
//!
//! Process-wide state (signal dispositions, the environment, the current directory, the umask)
//! is shared by every test thread of the test binary. A test that changes it runs its body in
//! a fresh copy of the test binary that runs only that test, so no other test can observe the
//! change or interleave with it.

use std::process::Command;

/// Set in the child so the same test knows to run its body instead of spawning again.
const CHILD_MARKER: &str = "RUNAS_TEST_OWN_PROCESS";

/// Runs `body` in a new process of this test binary that runs nothing but the test named
/// `test_path` (its full path, e.g. `shell::exec::tests::name`), and fails if the body fails
/// there. In that child, `body` runs directly.
pub(crate) fn in_own_process(test_path: &str, body: impl FnOnce()) {
    if std::env::var_os(CHILD_MARKER).is_some_and(|value| value == test_path) {
        body();
        return;
    }
    let test_binary = std::env::current_exe().expect("the test binary knows its own path");
    let output = Command::new(test_binary)
        .args([test_path, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD_MARKER, test_path)
        .output()
        .expect("the test binary can be started again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{test_path} failed in its own process ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // A filter that matched nothing would pass without running the body.
    assert!(
        stdout.contains("1 passed"),
        "{test_path} did not run in its own process (is the path exact?):\n{stdout}"
    );
}
