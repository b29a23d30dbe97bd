//! Text read from the command line's files: the prompt (an argument, `-` for standard
//! input, or `--prompt-file FILE`) and the batch's prompts file.

use std::io::Read;
use std::path::Path;

use crate::errors::{CliError, EXIT_USAGE};

/// The prompt from the positional value or `--prompt-file` (`-` reads standard input in
/// both). One trailing newline (a file's or `echo`'s) is dropped.
pub fn resolve(positional: Option<&str>, file: Option<&Path>) -> Result<String, CliError> {
    let text = match (positional, file) {
        (_, Some(path)) => read_text(path, "--prompt-file")?,
        (Some("-"), None) => read_text(Path::new("-"), "PROMPT")?,
        (Some(prompt), None) => return Ok(prompt.to_string()),
        (None, None) => String::new(),
    };
    let text = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    Ok(text.to_string())
}

/// The UTF-8 text of `path` (`-`: standard input); `what` names it in errors (a flag or
/// argument). An unreadable or non-UTF-8 file is a usage error (exit 2).
pub fn read_text(path: &Path, what: &str) -> Result<String, CliError> {
    let stdin = path.as_os_str() == "-";
    let read = if stdin {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    let shown = if stdin {
        Path::new("standard input")
    } else {
        path
    };
    let bytes = read.map_err(|e| {
        let mut err = CliError::io(format!("{what}: cannot read"), shown, &e);
        err.code = EXIT_USAGE;
        err.kind = "usage".to_string();
        err
    })?;
    String::from_utf8(bytes).map_err(|_| {
        CliError::usage(
            format!("{what}: {} is not UTF-8 text", shown.display()),
            Some("save it as UTF-8".to_string()),
        )
    })
}
