//! The `gemini-image` binary: [`gemini_image_cli::run`] plus what only a standalone process
//! may do (the glibc huge-page re-exec, exiting with the code).
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    gemini_image_cli::huge_pages::reexec_with_huge_pages();
    let code = gemini_image_cli::run(std::env::args_os());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
