//! Workload identity: the web identity token that an orchestrator (Kubernetes, CI) writes to
//! `web_identity_token_file`. It is read afresh at every exchange because the orchestrator
//! rotates it in place; this module keeps no copy and never prints it.

use std::path::Path;

use super::FlowError;
use crate::creds::Secret;

/// Reads the token at `path`, trimmed of the surrounding whitespace editors and `echo` add.
pub fn read_token_file(path: &Path) -> Result<Secret, FlowError> {
    let error = |reason: String| FlowError::TokenFile {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|err| error(err.to_string()))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(error("the file is empty".to_owned()));
    }
    Ok(Secret::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_trimmed_and_reread_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "  eyJ.first.token\n").unwrap();
        assert_eq!(read_token_file(&path).unwrap().expose(), "eyJ.first.token");
        std::fs::write(&path, "eyJ.rotated.token\n").unwrap();
        assert_eq!(
            read_token_file(&path).unwrap().expose(),
            "eyJ.rotated.token"
        );
    }

    #[test]
    fn errors_name_the_path_and_never_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing-token");
        let err = read_token_file(&missing).unwrap_err().to_string();
        assert!(err.contains("missing-token"), "{err}");

        let blank = dir.path().join("blank-token");
        std::fs::write(&blank, "\n \n").unwrap();
        let err = read_token_file(&blank).unwrap_err().to_string();
        assert!(
            err.contains("blank-token") && err.contains("empty"),
            "{err}"
        );
    }
}
