//! A QR code as text: two modules per character cell with half-block characters, so a code
//! fits a terminal. Pure: text in, lines out.

use qrcode::{Color, EcLevel, QrCode};

/// Modules of light border each side; readers need a quiet zone to find the code.
const QUIET_ZONE: usize = 2;

/// The lines of a QR code for `data`, light modules drawn as blocks so the code reads on the
/// usual dark terminal background. `None` when the data does not fit a QR code.
pub fn lines(data: &str) -> Option<Vec<String>> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET_ZONE;
    let light = |x: usize, y: usize| -> bool {
        if x < QUIET_ZONE || y < QUIET_ZONE || x >= width + QUIET_ZONE || y >= width + QUIET_ZONE {
            return true;
        }
        colors[(y - QUIET_ZONE) * width + (x - QUIET_ZONE)] == Color::Light
    };
    let mut lines = Vec::with_capacity(size.div_ceil(2));
    for y in (0..size).step_by(2) {
        let line = (0..size)
            .map(|x| {
                let top = light(x, y);
                let bottom = y + 1 < size && light(x, y + 1);
                match (top, bottom) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                }
            })
            .collect();
        lines.push(line);
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_square_in_modules_and_framed_by_the_quiet_zone() {
        let lines = lines("http://127.0.0.1:9000/device?user_code=ABCD-EFGH").unwrap();
        let columns = lines[0].chars().count();
        // Two module rows per line, so a square code is about half as tall as it is wide.
        assert_eq!(lines.len(), columns.div_ceil(2));
        assert!(lines[0].chars().all(|c| c == '█'), "top quiet zone");
        assert!(
            lines.iter().any(|line| line.contains(' ')),
            "dark modules drawn"
        );
    }
}
