//! `generate` and `edit`: one request (or one conversation turn), its images written out.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gemini_image::{
    CallOptions, Conversation, EnvConfig, Error, GenerateRequest, GenerateResponse, GeneratedFiles,
    Part, PartData, RequestOptions, RetryEvent, default_stem, load_image, plan_output, save_image,
    short_hash, slug,
};

use crate::args::{ConnArgs, ImageArgs, OutputArgs};
use crate::config::{Settings, resolve};
use crate::connect::connect;
use crate::errors::{CliError, HintContext, flag_for_field};
use crate::redact::redact;
use crate::session;
use crate::summary::{ImageInfo, ResponseMeta, Summary};

/// A failed command: the error and, when a request was sent, how many attempts it took.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong.
    pub error: CliError,
    /// HTTP attempts made, if any request was sent.
    pub attempts: Option<u32>,
}

impl From<CliError> for Failure {
    fn from(error: CliError) -> Self {
        Failure {
            error,
            attempts: None,
        }
    }
}

/// Everything `generate`/`edit` need.
#[derive(Debug)]
pub struct Job {
    /// `generate` or `edit`.
    pub command: &'static str,
    /// The prompt.
    pub prompt: String,
    /// Input images.
    pub images: Vec<PathBuf>,
    /// Ratio and size.
    pub image: ImageArgs,
    /// Output options.
    pub output: OutputArgs,
    /// Connection options.
    pub conn: ConnArgs,
}

/// Runs one `generate`/`edit` and returns its summary (already printed unless `--json`).
pub fn run(job: Job) -> Result<Summary, Failure> {
    let settings = resolve(&job.conn, &EnvConfig::load());
    if job.prompt.trim().is_empty() {
        return Err(CliError::usage(
            "PROMPT is empty: describe the image to generate or the edit to make",
            Some(
                "pass the prompt as an argument (quoted), \"-\" to read it from standard input, or --prompt-file FILE"
                    .to_string(),
            ),
        )
        .into());
    }
    let mut blobs = Vec::with_capacity(job.images.len());
    for (index, path) in job.images.iter().enumerate() {
        let blob = load_image(path, &format!("images[{index}]"))
            .map_err(|err| CliError::from_sdk(&err, &HintContext::default()))?;
        blobs.push(blob);
    }
    let session = match &job.output.session {
        Some(path) => session::load(path, job.conn.model.as_deref())?,
        None => None,
    };
    let model = session
        .as_ref()
        .map_or_else(|| settings.model.clone(), |c| c.model().to_string());

    let mut parts = vec![Part::text(job.prompt.clone())];
    parts.extend(
        blobs
            .into_iter()
            .map(|blob| Part::from_data(PartData::InlineData(blob))),
    );

    // Validate before connecting (no key needed to learn that a flag is wrong), once: in a
    // session the turn is begun on the conversation and sent as it is.
    let mut options = RequestOptions::default();
    options.aspect_ratio = job.image.aspect_ratio;
    options.image_size = job.image.image_size;
    let mut request_or_chat = match (job.output.session.is_some(), session) {
        (true, conversation) => {
            let mut conversation = conversation
                .unwrap_or_else(|| Conversation::new(model.clone(), RequestOptions::default()));
            // A flag changes the option for this turn and the next ones; an option not
            // given keeps what the session stored (aspect ratio, size, ...).
            let merged = conversation.options().merged_with(&options);
            conversation.set_options(merged);
            conversation
                .begin_turn(parts)
                .validate()
                .map_err(|err| validation_failure(&err))?;
            Err(conversation)
        }
        (false, _) => {
            let request = GenerateRequest::new(model.clone())
                .with_user_turn(parts)
                .with_options(&options);
            request.validate().map_err(|err| validation_failure(&err))?;
            Ok(request)
        }
    };

    let connection = connect(
        &Settings {
            model: model.clone(),
            ..settings.clone()
        },
        false,
    )?;
    let client = &connection.client;

    let (result, info, chat) = match &mut request_or_chat {
        Err(conversation) => {
            let conversation = std::mem::replace(
                conversation,
                Conversation::new(model.clone(), RequestOptions::default()),
            );
            let mut chat = client.resume_chat(conversation);
            let result = chat.send_pending(&call_options());
            let info = chat.last_call_info().cloned().unwrap_or_default();
            (result.map(Outcome::InMemory), info, Some(chat))
        }
        Ok(request) => {
            // The images are decoded straight into their files as the body arrives.
            let stem = output_stem(&job, &model);
            let (result, info) = client.generate_to_files(
                request,
                job.output.output.as_deref(),
                &stem,
                job.output.overwrite,
                &call_options(),
            );
            (result.map(Outcome::Written), info, None)
        }
    };

    let hints = HintContext {
        attempts: Some(info.attempts),
        ..connection.hints.clone()
    };
    let outcome = result.map_err(|err| Failure {
        error: sdk_failure(&err, &hints),
        attempts: Some(info.attempts),
    })?;
    let written = match outcome {
        Outcome::InMemory(response) => write_images(&job, &model, response),
        Outcome::Written(files) => Ok(describe_written(files)),
    }
    .map_err(|error| Failure {
        error,
        attempts: Some(info.attempts),
    })?;
    let (images, meta, warnings) = written;

    let mut summary = Summary {
        ok: true,
        command: job.command,
        model: model.clone(),
        model_version: meta.model_version,
        response_id: meta.response_id,
        paths: images.iter().map(|i| i.path.clone()).collect(),
        images,
        text: meta.text,
        finish_reason: meta.finish_reason,
        usage: meta.usage,
        attempts: info.attempts,
        elapsed_ms: duration_ms(info.elapsed),
        session: None,
        session_turns: None,
        warnings,
    };
    if let (Some(path), Some(chat)) = (&job.output.session, &chat) {
        session::save(path, chat.conversation()).map_err(|error| Failure {
            error,
            attempts: Some(info.attempts),
        })?;
        summary.session = Some(path.clone());
        summary.session_turns = Some(chat.turn_count());
    }
    if !job.output.json {
        print_human(&summary);
    }
    Ok(summary)
}

type Written = (Vec<ImageInfo>, ResponseMeta, Vec<String>);

/// A response whose images are still to be written (a conversation turn, which keeps
/// them), or already written to their files.
enum Outcome {
    InMemory(GenerateResponse),
    Written(GeneratedFiles),
}

/// The summary of images [`gemini_image::Client::generate_to_files`] wrote.
fn describe_written(files: GeneratedFiles) -> Written {
    let meta = ResponseMeta::of(&files.response);
    let mut warnings = files.warnings;
    let mut images = Vec::with_capacity(files.images.len());
    for image in files.images {
        if image.saved.renamed {
            warnings.push(renamed_warning(&image.saved.requested, &image.saved.path));
        }
        images.push(ImageInfo {
            path: image.saved.path,
            mime_type: image.mime_type,
            bytes: usize::try_from(image.bytes).unwrap_or(usize::MAX),
            width: image.dimensions.map(|d| d.0),
            height: image.dimensions.map(|d| d.1),
        });
    }
    for warning in &warnings {
        eprintln!("warning: {}", redact(warning));
    }
    (images, meta, warnings)
}

fn renamed_warning(requested: &Path, written: &Path) -> String {
    format!(
        "{} already exists: wrote {} instead (pass --overwrite to replace it)",
        requested.display(),
        written.display()
    )
}

/// The file stem when no `-o` names the output: from the prompt for `generate`, from the
/// (first) input image for `edit` (`photo.jpg` -> `photo-<hash>.jpg`); the hash covers the
/// prompt and options.
fn output_stem(job: &Job, model: &str) -> String {
    let ratio = job
        .image
        .aspect_ratio
        .as_ref()
        .map(|r| r.as_str())
        .unwrap_or("");
    let size = job
        .image
        .image_size
        .as_ref()
        .map(|s| s.as_str())
        .unwrap_or("");
    let inputs: Vec<String> = job.images.iter().map(|p| p.display().to_string()).collect();
    let inputs = inputs.join("\n");
    let extra: [&[u8]; 4] = [
        model.as_bytes(),
        ratio.as_bytes(),
        size.as_bytes(),
        inputs.as_bytes(),
    ];
    let input_stem = job
        .images
        .first()
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned());
    match (job.command, input_stem) {
        ("edit", Some(stem)) => {
            let mut pieces: Vec<&[u8]> = vec![job.prompt.as_bytes()];
            pieces.extend_from_slice(&extra);
            format!("{}-{}", slug(&stem, 48), short_hash(&pieces))
        }
        _ => default_stem(&job.prompt, &extra),
    }
}

fn write_images(job: &Job, model: &str, response: GenerateResponse) -> Result<Written, CliError> {
    let meta = ResponseMeta::of(&response);
    let blobs = response.into_images();
    let stem = output_stem(job, model);
    let mimes: Vec<&str> = blobs.iter().map(|b| b.mime_type.as_str()).collect();
    let plan = plan_output(job.output.output.as_deref(), &stem, &mimes);
    let mut warnings = plan.warnings;
    let mut images = Vec::with_capacity(blobs.len());
    for (blob, path) in blobs.iter().zip(plan.paths) {
        let saved = save_image(blob, &path, job.output.overwrite)
            .map_err(|err| CliError::from_sdk(&err, &HintContext::default()))?;
        if saved.renamed {
            warnings.push(renamed_warning(&path, &saved.path));
        }
        images.push(ImageInfo::new(saved.path, blob));
    }
    for warning in &warnings {
        eprintln!("warning: {}", redact(warning));
    }
    Ok((images, meta, warnings))
}

fn print_human(summary: &Summary) {
    if let Some(text) = &summary.text {
        eprintln!("model: {}", redact(text));
    }
    for image in &summary.images {
        eprintln!("wrote {}", redact(&image.describe()));
        crate::summary::stdout_line(&image.path.display().to_string());
    }
    if summary.attempts > 1 {
        eprintln!("(succeeded on attempt {})", summary.attempts);
    }
    if let (Some(path), Some(turns)) = (&summary.session, summary.session_turns) {
        eprintln!(
            "session {} now holds {} {}; run again with --session {} to continue",
            path.display(),
            turns,
            if turns == 1 { "turn" } else { "turns" },
            path.display()
        );
    }
}

fn validation_failure(err: &Error) -> Failure {
    let error = CliError::from_sdk(err, &Default::default());
    let field = err.field().map(flag_for_field);
    Failure {
        error: CliError {
            hint: field.map(|f| format!("fix {f} and run again")),
            ..error
        },
        attempts: None,
    }
}

/// Every retry is said on stderr as it starts: `rate limited (429), retrying in 7 s
/// (attempt 2 of 3)`.
fn call_options() -> CallOptions {
    CallOptions::new().with_on_retry(std::sync::Arc::new(|event: &RetryEvent| {
        eprintln!("{}", redact(&event.to_string()));
    }))
}

/// Maps a client error for the command line.
pub fn sdk_failure(err: &Error, hints: &HintContext) -> CliError {
    CliError::from_sdk(err, hints)
}

fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
