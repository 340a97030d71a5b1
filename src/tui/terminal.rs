//! The one owner of the terminal. [`TerminalGuard`] opens `/dev/tty` (never stdout, so
//! `eval "$(runas)"` captures only export lines), enters raw mode and the alternate screen,
//! and restores both on drop, on error and — through a panic hook — on panic. It can hand the
//! terminal to a child process ([`TerminalGuard::suspend`] / [`TerminalGuard::resume`]); pausing
//! input around that is the event loop's part (it drops its input stream first).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::sync::Once;

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Buffered: crossterm writes each cell's text and escape sequences separately, which unbuffered
/// was one `write(2)` per piece (thousands for one frame). ratatui flushes once after every
/// draw and `execute!` flushes after its commands, so nothing waits in the buffer.
pub type TtyTerminal = Terminal<CrosstermBackend<BufWriter<File>>>;

pub struct TerminalGuard {
    terminal: TtyTerminal,
    active: bool,
}

static PANIC_HOOK: Once = Once::new();

/// The controlling terminal, which the TUI draws on and a shell started from it uses.
pub(super) fn open_tty() -> io::Result<File> {
    OpenOptions::new().read(true).write(true).open("/dev/tty")
}

/// Leaves raw mode and the alternate screen on a fresh handle; best effort, used on drop and
/// from the panic hook, where nothing can be reported any more.
fn restore() {
    let _ = disable_raw_mode();
    if let Ok(mut tty) = open_tty() {
        let _ = execute!(tty, DisableMouseCapture, LeaveAlternateScreen, Show);
    }
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        PANIC_HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                // Restore first, or the panic message lands on a raw alternate screen and is lost.
                restore();
                previous(info);
            }));
        });
        let mut tty = open_tty()?;
        enable_raw_mode()?;
        if let Err(error) = execute!(tty, EnterAlternateScreen, EnableMouseCapture, Hide) {
            restore();
            return Err(error);
        }
        let terminal = match Terminal::new(CrosstermBackend::new(BufWriter::new(tty))) {
            Ok(terminal) => terminal,
            Err(error) => {
                restore();
                return Err(error);
            }
        };
        Ok(TerminalGuard {
            terminal,
            active: true,
        })
    }

    pub fn terminal(&mut self) -> &mut TtyTerminal {
        &mut self.terminal
    }

    /// Gives the terminal back to the person (for a child process): cooked mode, main screen.
    pub fn suspend(&mut self) -> io::Result<()> {
        self.active = false;
        execute!(
            self.terminal.backend_mut(),
            DisableMouseCapture,
            LeaveAlternateScreen,
            Show
        )?;
        disable_raw_mode()
    }

    /// Takes the terminal again after [`TerminalGuard::suspend`] and forces a full redraw.
    pub fn resume(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        execute!(
            self.terminal.backend_mut(),
            EnterAlternateScreen,
            EnableMouseCapture,
            Hide
        )?;
        self.active = true;
        // Not `Terminal::clear`: it asks the terminal for the cursor position, a query crossterm
        // writes to stdout, which may be the file the export lines go to. Clearing by hand and
        // dropping the remembered frame forces the same full redraw.
        execute!(self.terminal.backend_mut(), Clear(ClearType::All))?;
        self.terminal.swap_buffers();
        Ok(())
    }

    /// Writes raw bytes to the terminal, for escape sequences ratatui has no widget for (OSC 52).
    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        let backend = self.terminal.backend_mut();
        backend.write_all(bytes)?;
        backend.flush()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if self.active {
            let _ = execute!(
                self.terminal.backend_mut(),
                DisableMouseCapture,
                LeaveAlternateScreen,
                Show
            );
        }
        let _ = disable_raw_mode();
    }
}

/// The OSC 52 sequence that asks the terminal to put `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Standard base64 with padding; a dozen lines are cheaper than a dependency for one use.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn osc52_wraps_the_encoded_text() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
