//! The command line (clap derive).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use gemini_image_core::{AspectRatio, ImageSize};

use crate::errors::EXIT_CODES_HELP;

const ENV_HELP: &str = "\
Configuration (flags win over environment variables, which win over defaults):
  THUCCHIEN_API_KEY      API key (AI Thuc Chien gateway key); else GEMINI_API_KEY,
  GEMINI_API_KEY,        else GOOGLE_API_KEY (Google AI Studio keys)
  GOOGLE_API_KEY
  GEMINI_IMAGE_BASE_URL  base URL (default: https://api.thucchien.ai/gemini, or
                         https://generativelanguage.googleapis.com for a key from
                         GEMINI_API_KEY/GOOGLE_API_KEY: a key only goes where it belongs)
  GEMINI_IMAGE_MODEL     model (default gemini-3.1-flash-image, Nano Banana 2)
Prefer the environment over --api-key: command lines are visible to other users.";

/// Generate and edit images with Gemini image models (Nano Banana, Nano Banana Pro,
/// Nano Banana 2) through the AI Thuc Chien gateway or Google's API.
#[derive(Debug, Parser)]
#[command(
    name = "gemini-image",
    // Usage lines say `gemini-image` whatever argv[0] is (a Python or Node entry point).
    bin_name = "gemini-image",
    version,
    about,
    long_about = None,
    after_help = format!("{ENV_HELP}\n\n{EXIT_CODES_HELP}"),
    propagate_version = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate an image from a prompt (optionally with reference images).
    #[command(after_help = format!("{ENV_HELP}\n\n{EXIT_CODES_HELP}"))]
    Generate(GenerateArgs),
    /// Edit one or more images with an instruction.
    #[command(
        override_usage = "gemini-image edit [OPTIONS] -i <IMAGE>... <PROMPT>\n       gemini-image edit [OPTIONS] <IMAGE>... <PROMPT>",
        after_help = format!("{ENV_HELP}\n\n{EXIT_CODES_HELP}")
    )]
    Edit(EditArgs),
    /// Run many prompts from a JSONL file, with a manifest that lets a re-run resume.
    #[command(after_help = format!("{BATCH_HELP}\n\n{ENV_HELP}\n\n{EXIT_CODES_HELP}"))]
    Batch(BatchArgs),
    /// Run the offline Gemini-compatible emulator until Ctrl-C.
    #[command(after_help = EMULATOR_HELP)]
    Emulator(EmulatorArgs),
}

const BATCH_HELP: &str = "\
Input: one JSON object per line (blank lines and lines starting with # are skipped):
  {\"prompt\": \"...\", \"id\": \"...\", \"images\": [\"in.png\"], \"aspect_ratio\": \"16:9\",
   \"image_size\": \"2K\", \"model\": \"...\"}
Only \"prompt\" is required; a line that is a JSON string, or plain text, is a prompt. Any
request option may be given too, in snake_case or camelCase: system_instruction, temperature,
top_p, top_k, seed, max_output_tokens, stop_sequences, candidate_count, response_modalities,
safety_settings, thinking, extra. -a/-s apply to lines without one whose model accepts them;
a size on a gemini-2.5 line is ignored with a warning. Every bad line is reported before
anything is sent.
Images go to DIR/<id>.<ext> (DIR/<id>-1.<ext>, ... when there are several) and every finished
item is appended to DIR/manifest.jsonl; a re-run skips items already \"ok\" there. Ctrl-C stops
handing out work and waits for the items in flight; a second Ctrl-C abandons them.
Exit code: 0 when every item is ok, else the code of the failures (1 when they differ), or 130
when interrupted.";

const EMULATOR_HELP: &str = "\
Faults on demand: put [[fault:NAME]] (every time) or [[fault:NAME:N]] (the first N requests)
in a prompt, or send the header x-emulator-fault: NAME. Names: rate_limit, credits, budget,
overloaded, deadline, internal, html_502, slow, slow_body, drop, image_safety, prohibited,
no_image, blocked, refusal, stream_error. [[delay:MS]] sets the slow delay, [[bytes:N]]
(e.g. [[bytes:20m]]) makes the image about N bytes.";

/// Where to send requests and how.
#[derive(Debug, Args, Clone, Default)]
pub struct ConnArgs {
    /// Model id or gateway alias [env: GEMINI_IMAGE_MODEL] [default: gemini-3.1-flash-image]
    #[arg(short = 'm', long, value_name = "MODEL")]
    pub model: Option<String>,

    /// Base URL, without /v1beta [env: GEMINI_IMAGE_BASE_URL] [default: https://api.thucchien.ai/gemini]
    #[arg(long, value_name = "URL", conflicts_with = "emulator")]
    pub base_url: Option<String>,

    /// API key [env: THUCCHIEN_API_KEY, else GEMINI_API_KEY, else GOOGLE_API_KEY]
    #[arg(long, value_name = "KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// Overall timeout per attempt, in seconds [default: 180]
    #[arg(long, value_name = "SECS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,

    /// Retries after a failed attempt (rate limits, 5xx, timeouts, network) [default: 2]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=20))]
    pub retries: Option<u32>,

    /// Start an in-process emulator and send requests to it (no key needed)
    #[arg(long)]
    pub emulator: bool,
}

/// Options of the generated image.
#[derive(Debug, Args, Clone, Default)]
pub struct ImageArgs {
    /// Aspect ratio: 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9 (and 1:4, 4:1, 1:8, 8:1 on gemini-3.1-flash-image)
    #[arg(short = 'a', long, value_name = "RATIO", value_parser = parse_aspect_ratio)]
    pub aspect_ratio: Option<AspectRatio>,

    /// Image size: 512, 1K, 2K, 4K (Gemini 3 models only)
    #[arg(short = 's', long, value_name = "SIZE", value_parser = parse_image_size)]
    pub image_size: Option<ImageSize>,
}

/// What to do with the answer.
#[derive(Debug, Args, Clone, Default)]
pub struct OutputArgs {
    /// Output file or directory. The extension follows the image's type: `-o out.png` for a
    /// JPEG answer writes out.jpg (with a warning). Default: a name made from the prompt.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Print one JSON summary on stdout (and nothing else there)
    #[arg(long)]
    pub json: bool,

    /// Conversation file: continue the conversation stored there (created if missing) and
    /// store the new turn, for multi-turn edits from a shell
    #[arg(long, value_name = "FILE")]
    pub session: Option<PathBuf>,

    /// Replace an existing output file (default: keep it and write name-2.jpg, saying so)
    #[arg(long)]
    pub overwrite: bool,
}

/// `gemini-image generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to draw ("-" reads it from standard input)
    #[arg(value_name = "PROMPT", required_unless_present = "prompt_file")]
    pub prompt: Option<String>,

    /// Read the prompt from FILE ("-" for standard input); for long prompts
    #[arg(long, value_name = "FILE", conflicts_with = "prompt")]
    pub prompt_file: Option<PathBuf>,

    /// Input image (reference or image to edit); repeat for several
    #[arg(short = 'i', long = "image", value_name = "IMAGE")]
    pub images: Vec<PathBuf>,

    #[command(flatten)]
    pub image: ImageArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `gemini-image edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// Images to edit, then the instruction (the last value; "-" reads it from standard input)
    #[arg(value_name = "IMAGE... PROMPT", required_unless_present = "prompt_file", num_args = 1..)]
    pub args: Vec<String>,

    /// Read the instruction from FILE ("-" for standard input); then every positional
    /// value is an image
    #[arg(long, value_name = "FILE")]
    pub prompt_file: Option<PathBuf>,

    /// Image to edit; repeat for several
    #[arg(short = 'i', long = "image", value_name = "IMAGE")]
    pub images: Vec<PathBuf>,

    #[command(flatten)]
    pub image: ImageArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `gemini-image batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// JSONL file with one prompt per line ("-" reads standard input)
    #[arg(value_name = "PROMPTS.jsonl")]
    pub input: PathBuf,

    /// Directory for the images and manifest.jsonl (created if missing)
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,

    /// Requests in flight at once
    #[arg(short = 'j', long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,

    /// Default aspect ratio for lines without one (where the line's model accepts it)
    #[arg(short = 'a', long, value_name = "RATIO", value_parser = parse_aspect_ratio)]
    pub aspect_ratio: Option<AspectRatio>,

    /// Default image size for lines without one (where the line's model accepts it)
    #[arg(short = 's', long, value_name = "SIZE", value_parser = parse_image_size)]
    pub image_size: Option<ImageSize>,

    /// Print one JSON summary on stdout (and nothing else there)
    #[arg(long)]
    pub json: bool,

    /// Replace existing image files in DIR (default: keep them and write <id>-2.jpg)
    #[arg(long)]
    pub overwrite: bool,

    #[command(flatten)]
    pub conn: ConnArgs,
}

/// `gemini-image emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port to listen on (0 picks a free one and prints it)
    #[arg(short = 'p', long, default_value_t = 8080)]
    pub port: u16,

    /// Address to bind (use 0.0.0.0 to accept other machines)
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,

    /// Accept only this API key (default: any non-empty key)
    #[arg(long, value_name = "KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// Ignore [[fault:...]] tokens and x-emulator-* headers
    #[arg(long)]
    pub no_faults: bool,
}

fn parse_aspect_ratio(text: &str) -> Result<AspectRatio, String> {
    text.parse::<AspectRatio>().map_err(|e| e.message())
}

fn parse_image_size(text: &str) -> Result<ImageSize, String> {
    text.parse::<ImageSize>().map_err(|e| e.message())
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds = text
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("timeout: {text:?} is not a number of seconds (e.g. 180 or 0.5)"))?;
    match gemini_image_core::seconds_to_duration("timeout", seconds) {
        Ok(duration) if duration.is_zero() => Err(
            "timeout: must be more than zero (image calls take 8-35 s, 4K longer; the default is 180)"
                .to_string(),
        ),
        Ok(duration) => Ok(duration),
        Err(err) => Err(err.message()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_generate_and_edit() {
        let cli = Cli::try_parse_from([
            "gemini-image",
            "generate",
            "a cat",
            "-i",
            "a.png",
            "--aspect-ratio",
            "16:9",
            "--image-size",
            "2k",
            "--retries",
            "0",
        ])
        .unwrap();
        let Command::Generate(args) = cli.command else {
            panic!("not generate")
        };
        assert_eq!(args.image.image_size, Some(ImageSize::Size2K));
        assert_eq!(args.prompt.as_deref(), Some("a cat"));
        assert_eq!(args.conn.retries, Some(0));
        let err = Cli::try_parse_from(["gemini-image", "generate", "x", "--image-size", "8K"])
            .unwrap_err();
        assert!(err.to_string().contains("image_size"), "{err}");
        let cli = Cli::try_parse_from(["gemini-image", "edit", "a.png", "b.png", "make it blue"])
            .unwrap();
        let Command::Edit(args) = cli.command else {
            panic!("not edit")
        };
        assert_eq!(args.args.len(), 3);
        assert!(
            Cli::try_parse_from([
                "gemini-image",
                "generate",
                "x",
                "--emulator",
                "--base-url",
                "http://x"
            ])
            .is_err()
        );
    }
}
