//! The prompt: an argument, `-` for standard input, or `--prompt-file FILE`.

use std::io::Read;
use std::path::Path;

use crate::errors::CliError;

/// The prompt from the positional value or `--prompt-file` (`-` reads standard input in
/// both). One trailing newline (a file's or `echo`'s) is dropped.
pub fn resolve(positional: Option<&str>, file: Option<&Path>) -> Result<String, CliError> {
    let text = match (positional, file) {
        (_, Some(path)) if path.as_os_str() == "-" => read_stdin()?,
        (_, Some(path)) => read_file(path)?,
        (Some("-"), None) => read_stdin()?,
        (Some(prompt), None) => return Ok(prompt.to_string()),
        (None, None) => String::new(),
    };
    let text = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    Ok(text.to_string())
}

fn read_stdin() -> Result<String, CliError> {
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes).map_err(|e| {
        CliError::io(
            "cannot read the prompt from",
            Path::new("standard input"),
            &e,
        )
    })?;
    utf8(bytes, "standard input")
}

fn read_file(path: &Path) -> Result<String, CliError> {
    let bytes = std::fs::read(path).map_err(|e| {
        let mut err = CliError::io("cannot read --prompt-file", path, &e);
        err.code = crate::errors::EXIT_USAGE;
        err.kind = "usage".to_string();
        err
    })?;
    utf8(bytes, &path.display().to_string())
}

fn utf8(bytes: Vec<u8>, what: &str) -> Result<String, CliError> {
    String::from_utf8(bytes).map_err(|_| {
        CliError::usage(
            format!("the prompt in {what} is not UTF-8 text"),
            Some("save the prompt as UTF-8".to_string()),
        )
    })
}
