//! `gemini-image`: generate and edit images with Gemini image models (Nano Banana, Nano
//! Banana Pro, Nano Banana 2) from the command line, through the AI Thực Chiến gateway or
//! Google's API, or offline against the built-in emulator. See `gemini-image --help` and
//! the crate README for commands, configuration and exit codes.
//!
//! The command is also a library: [`run`] takes the arguments (`argv[0]` first) and returns
//! the exit code, so the Python, Node and native packages can ship the same `gemini-image`
//! command without a second implementation.
//!
//! ```no_run
//! let code = gemini_image_cli::run(["gemini-image", "generate", "a cat", "--emulator"]);
//! std::process::exit(code);
//! ```
#![forbid(unsafe_code)]

mod args;
mod batch;
mod config;
mod connect;
mod errors;
/// Huge pages for big responses (the standalone binary re-executes itself once).
pub mod huge_pages;
mod prompt;
mod redact;
mod session;
mod single;
mod summary;

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use gemini_image_emulator::EmulatorConfig;

use crate::args::{Cli, Command, EditArgs, EmulatorArgs};
use crate::errors::{CliError, EXIT_OK};
use crate::redact::{redact, register_secret};
use crate::single::{Failure, Job};

/// Runs the `gemini-image` command with `args` (`argv[0]` first, as `std::env::args_os()`
/// gives them) and returns the process exit code (see the README's exit-code table).
///
/// Safe to call from a host process (the Python, Node and native packages do, and may call
/// it more than once): it never exits the process, never re-executes it (the standalone
/// binary's huge-page re-exec lives in its `main`), installs its Ctrl-C handler at most once
/// per process (used only while a batch runs) and resets its state on every call. Like the
/// binary, it reads the environment and the current directory, and writes to the process's
/// stdout and stderr. Keys seen by earlier calls stay masked in its output. Calls are meant
/// to run one at a time (the Ctrl-C state is per process).
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    register_known_secrets(&args);
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => {
            let text = redact(&err.render().to_string());
            if !err.use_stderr() {
                // --help, --version: the text is the output.
                use std::io::Write;
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
                return err.exit_code();
            }
            eprint!("{text}");
            if wants_json(&args) {
                // The README promises exactly one JSON object on stdout for every failure.
                let mut error = CliError::usage(usage_message(&err), usage_hint(&args));
                error.field = usage_field(&err);
                summary::print_json(&summary::error_json(
                    subcommand(&args).unwrap_or("gemini-image"),
                    &error,
                    None,
                ));
            }
            return err.exit_code();
        }
    };
    i32::from(dispatch(cli.command))
}

/// Whether `--json` is among the options (before a `--` separator).
fn wants_json(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| a.as_os_str() != "--")
        .any(|a| a.as_os_str() == "--json")
}

/// The subcommand named on the command line, if it is one.
fn subcommand(args: &[OsString]) -> Option<&'static str> {
    let first = args.get(1)?.to_str()?;
    ["generate", "edit", "batch", "emulator"]
        .into_iter()
        .find(|name| *name == first)
}

/// Clap's message without its `error: ` prefix and usage lines: the first paragraph, on
/// one line (`the following required arguments were not provided: <PROMPT>`).
fn usage_message(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let paragraph: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .collect();
    let joined = paragraph.join(" ");
    joined
        .strip_prefix("error: ")
        .unwrap_or(&joined)
        .to_string()
}

/// The option a clap error is about, as a field name (`--aspect-ratio <RATIO>` ->
/// `aspect_ratio`), when it names one.
fn usage_field(err: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    let arg = match err.get(ContextKind::InvalidArg)? {
        ContextValue::String(arg) => arg.clone(),
        ContextValue::Strings(args) => args.first()?.clone(),
        _ => return None,
    };
    let name = arg.split([' ', '=']).next()?.trim_start_matches('-');
    let name = name
        .trim_matches(['<', '>'])
        .to_ascii_lowercase()
        .replace('-', "_");
    (!name.is_empty()).then_some(name)
}

fn usage_hint(args: &[OsString]) -> Option<String> {
    Some(match subcommand(args) {
        Some(name) => format!("see gemini-image {name} --help"),
        None => "see gemini-image --help".to_string(),
    })
}

/// Keys that may reach any output are registered before anything is printed: the ones in
/// the environment and any `--api-key` on the command line.
fn register_known_secrets(args: &[OsString]) {
    for name in gemini_image::ENV_API_KEYS {
        if let Ok(value) = std::env::var(name) {
            register_secret(&value);
        }
    }
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    for (index, arg) in args.iter().enumerate() {
        if let Some(value) = arg.strip_prefix("--api-key=") {
            register_secret(value);
        } else if arg == "--api-key" {
            if let Some(value) = args.get(index + 1) {
                register_secret(value);
            }
        }
    }
}

fn dispatch(command: Command) -> u8 {
    match command {
        Command::Generate(args) => {
            let json = args.output.json;
            match prompt::resolve(args.prompt.as_deref(), args.prompt_file.as_deref()) {
                Ok(prompt) => run_single(
                    Job {
                        command: "generate",
                        prompt,
                        images: args.images,
                        image: args.image,
                        output: args.output,
                        conn: args.conn,
                    },
                    json,
                ),
                Err(error) => fail("generate", json, &error.into()),
            }
        }
        Command::Edit(args) => {
            let json = args.output.json;
            match edit_job(args) {
                Ok(job) => run_single(job, json),
                Err(error) => fail("edit", json, &error.into()),
            }
        }
        Command::Batch(args) => match batch::run(&args) {
            Ok(summary) => {
                if args.json {
                    summary::print_json(&summary);
                }
                summary.exit_code
            }
            Err(failure) => fail("batch", args.json, &failure),
        },
        Command::Emulator(args) => run_emulator(&args),
    }
}

fn run_single(job: Job, json: bool) -> u8 {
    let command = job.command;
    match single::run(job) {
        Ok(summary) => {
            if json {
                summary::print_json(&summary);
            }
            EXIT_OK
        }
        Err(failure) => fail(command, json, &failure),
    }
}

fn fail(command: &str, json: bool, failure: &Failure) -> u8 {
    failure.error.report();
    if json {
        summary::print_json(&summary::error_json(
            command,
            &failure.error,
            failure.attempts,
        ));
    }
    failure.error.code
}

/// `edit [IMAGE]... PROMPT` and `-i IMAGE`: the last positional value is the prompt (with
/// `--prompt-file`, every positional value is an image).
fn edit_job(args: EditArgs) -> Result<Job, CliError> {
    let mut positional = args.args;
    let prompt = match &args.prompt_file {
        Some(file) => prompt::resolve(None, Some(file))?,
        None => prompt::resolve(positional.pop().as_deref(), None)?,
    };
    let mut images: Vec<PathBuf> = positional.into_iter().map(PathBuf::from).collect();
    images.extend(args.images);
    if images.is_empty() {
        return Err(CliError::usage(
            "edit needs at least one input image",
            Some("usage: gemini-image edit -i photo.jpg \"make the sky purple\"".to_string()),
        ));
    }
    Ok(Job {
        command: "edit",
        prompt,
        images,
        image: args.image,
        output: args.output,
        conn: args.conn,
    })
}

fn run_emulator(args: &EmulatorArgs) -> u8 {
    let mut config = EmulatorConfig::default()
        .with_addr(SocketAddr::new(args.host, args.port))
        .with_faults(!args.no_faults);
    if let Some(key) = &args.api_key {
        register_secret(key);
        config = config.with_api_key(key.clone());
    }
    eprintln!("press Ctrl-C to stop");
    match gemini_image_emulator::run_forever_with(config) {
        Ok(()) => EXIT_OK,
        Err(err) => {
            let error = CliError {
                code: errors::EXIT_OTHER,
                kind: "io".to_string(),
                message: format!(
                    "cannot run the emulator on {}: {err}",
                    SocketAddr::new(args.host, args.port)
                ),
                hint: Some("pick another --port (0 picks a free one)".to_string()),
                field: None,
            };
            error.report();
            error.code
        }
    }
}
