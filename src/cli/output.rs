//! Writing to stdout as an API: a closed pipe (`runas list | head`) is a normal end, not a
//! panic, so writes report `BrokenPipe` and the caller exits 0.

use std::io::{self, Write};

/// Writes `text` to stdout in one go. `Ok(false)` means the reader went away.
pub fn print_stdout(text: &str) -> io::Result<bool> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(err) => Err(err),
    }
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let last = row.len().saturating_sub(1);
        for (i, cell) in row.iter().enumerate() {
            if i == last {
                text.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                text.push_str(cell);
                text.extend(std::iter::repeat_n(' ', pad + 2));
            }
        }
        // Trailing spaces from empty last cells are noise for a person and for diffs.
        while text.ends_with(' ') {
            text.pop();
        }
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_the_widest_cell() {
        let rows = vec![
            vec!["dev".to_string(), "okta".to_string(), "ok".to_string()],
            vec![
                "production-admin".to_string(),
                "".to_string(),
                "2 errors".to_string(),
            ],
        ];
        let text = table(&["NAME", "PROVIDER", "STATUS"], &rows);
        assert_eq!(
            text,
            "NAME              PROVIDER  STATUS\n\
             dev               okta      ok\n\
             production-admin            2 errors\n"
        );
    }
}
