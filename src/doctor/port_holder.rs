//! Which process listens on a local TCP port, read from `/proc` (Linux only; elsewhere, and
//! for processes of other users whose descriptors cannot be read, the answer is `None` and the
//! report just says the port is taken).

/// `pid N (command)` of the process listening on `port`, if it can be found.
pub(super) fn port_holder(port: u16) -> Option<String> {
    let inode = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .find_map(|text| listening_inode(&text, port))?;
    let wanted = format!("socket:[{inode}]");
    for process in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = process.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(process.path().join("fd")) else {
            continue;
        };
        let holds = fds.flatten().any(|fd| {
            std::fs::read_link(fd.path()).is_ok_and(|target| target.as_os_str() == wanted.as_str())
        });
        if holds {
            let command = std::fs::read_to_string(process.path().join("comm")).unwrap_or_default();
            return Some(format!("pid {pid} ({})", command.trim()));
        }
    }
    None
}

/// The socket inode of the LISTEN entry (state 0A) for `port` in a `/proc/net/tcp*` table.
fn listening_inode(table: &str, port: u16) -> Option<String> {
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let local = fields.get(1)?;
        let (_, hex_port) = local.rsplit_once(':')?;
        let listening = fields.get(3) == Some(&"0A");
        (listening && u16::from_str_radix(hex_port, 16).ok()? == port)
            .then(|| fields.get(9).map(|inode| (*inode).to_owned()))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_entry_of_the_port_gives_its_inode() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1\n   1: 0100007F:1F91 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1\n";
        assert_eq!(listening_inode(table, 8080), Some("4242".to_owned()));
        assert_eq!(listening_inode(table, 8081), None);
    }

    #[test]
    fn a_port_held_by_this_test_names_this_process() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let holder = port_holder(port);
        if cfg!(target_os = "linux") {
            let holder = holder.unwrap_or_default();
            assert!(
                holder.starts_with(&format!("pid {} ", std::process::id())),
                "{holder}"
            );
        }
    }
}
