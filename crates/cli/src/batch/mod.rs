//! `batch`: many prompts from a JSONL file, bounded concurrency, a manifest for resuming,
//! and Ctrl-C that stops handing out work without losing finished images.

pub mod input;

use std::cell::Cell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use gemini_image::{
    BatchDir, CallOptions, CancelToken, EnvConfig, Error, ErrorKind, GenerateRequest,
    GenerateResponse, Part, PartData, Record, RecordError, Resume, RetryEvent, load_image,
};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::args::BatchArgs;
use crate::config::resolve;
use crate::connect::connect;
use crate::errors::{CliError, EXIT_INTERRUPTED, EXIT_OK, EXIT_OTHER, HintContext};
use crate::redact::redact;
use crate::single::{Failure, sdk_failure};

use input::{Defaults, Item};

/// Set by the first Ctrl-C: no new items are started.
static STOP: AtomicBool = AtomicBool::new(false);
/// Set by a second Ctrl-C: items in flight are abandoned (their calls are left to finish
/// on their own threads, their results dropped).
static ABANDON: AtomicBool = AtomicBool::new(false);
/// The running batch's cancel token: the first Ctrl-C cancels it (no new item starts, and
/// an item waiting to retry stops waiting).
static CANCEL: Mutex<Option<CancelToken>> = Mutex::new(None);
/// Whether a batch is running (the handler, installed once per process, ignores Ctrl-C
/// otherwise).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Items in flight, for the Ctrl-C message.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// When the first Ctrl-C of this run arrived.
static FIRST_INTERRUPT: Mutex<Option<Instant>> = Mutex::new(None);
/// Installs the Ctrl-C handler once per process.
static HANDLER: Once = Once::new();
/// Two interrupts closer together than this are one: GNU `timeout -s INT` delivers SIGINT
/// to the child and again to its process group.
const SAME_INTERRUPT: Duration = Duration::from_millis(500);

/// What a batch run did.
#[derive(Debug, Serialize)]
pub struct BatchSummary {
    /// Whether every item is now ok.
    pub ok: bool,
    /// Always `batch`.
    pub command: &'static str,
    /// Items in the input.
    pub total: usize,
    /// Items that succeeded in this run.
    pub succeeded: usize,
    /// Items that failed in this run.
    pub failed: usize,
    /// Items skipped because an earlier run finished them.
    pub skipped: usize,
    /// Items not started because of Ctrl-C.
    pub not_started: usize,
    /// Items started but not finished: abandoned in flight by a second Ctrl-C, or cancelled
    /// while waiting to retry (not in the manifest: a re-run does them).
    pub abandoned: usize,
    /// Whether Ctrl-C stopped the run.
    pub interrupted: bool,
    /// The output directory.
    pub out_dir: PathBuf,
    /// The manifest.
    pub manifest: PathBuf,
    /// The records written in this run, in completion order.
    pub items: Vec<Record>,
    /// The process exit code.
    pub exit_code: u8,
}

/// Runs a batch. Returns the summary (with its exit code) once the run ends.
pub fn run(args: &BatchArgs) -> Result<BatchSummary, Failure> {
    let settings = resolve(&args.conn, &EnvConfig::load());
    let (text, base_dir) = read_input(&args.input)?;
    let parsed = input::parse(
        &text,
        &Defaults {
            model: settings.model.clone(),
            aspect_ratio: args.aspect_ratio,
            image_size: args.image_size,
            base_dir,
        },
    )?;
    for warning in &parsed.warnings {
        eprintln!("warning: {}", redact(warning));
    }
    let items = parsed.items;
    if items.is_empty() {
        return Err(CliError::usage(
            format!("{}: no prompts found", args.input.display()),
            Some("write one JSON object per line, e.g. {\"prompt\": \"a red fox\"}".to_string()),
        )
        .into());
    }
    let out_dir = BatchDir::open(&args.out_dir)
        .map_err(|err| CliError::from_sdk(&err, &HintContext::default()))?;
    if !out_dir.previous().bad_lines.is_empty() {
        eprintln!(
            "warning: ignoring unreadable lines {:?} of {} (cut short by an interrupted run?)",
            out_dir.previous().bad_lines,
            out_dir.manifest_path().display()
        );
    }
    let mut todo = Vec::new();
    let mut skipped = 0usize;
    for item in items.iter() {
        match out_dir.resume(&item.id) {
            Resume::Done => skipped += 1,
            Resume::FilesMissing => {
                eprintln!(
                    "note: {} is marked ok in the manifest but its image is missing; running it again",
                    item.id
                );
                todo.push(item);
            }
            _ => todo.push(item),
        }
    }
    let manifest_path = out_dir.manifest_path();
    let mut summary = BatchSummary {
        ok: true,
        command: "batch",
        total: items.len(),
        succeeded: 0,
        failed: 0,
        skipped,
        not_started: 0,
        abandoned: 0,
        interrupted: false,
        out_dir: args.out_dir.clone(),
        manifest: manifest_path,
        items: Vec::new(),
        exit_code: EXIT_OK,
    };
    if todo.is_empty() {
        eprintln!(
            "all {} items are already done (see {}); nothing to do",
            items.len(),
            summary.manifest.display()
        );
        return Ok(summary);
    }
    if skipped > 0 {
        eprintln!(
            "resuming: {skipped} items already done, {} to go",
            todo.len()
        );
    }

    let connection = connect(&settings, true)?;
    let interrupts = Interrupts::arm();
    let progress = Arc::new(Progress::new(todo.len(), std::io::stderr().is_terminal()));
    let todo: Arc<Vec<Item>> = Arc::new(todo.into_iter().cloned().collect());
    let tracks: Arc<Vec<Track>> = Arc::new(todo.iter().map(|_| Track::default()).collect());
    let call = CallOptions::new()
        .with_cancel(interrupts.cancel.clone())
        .with_on_retry(retry_printer(&todo, &tracks, &progress));

    // The batch runs on its own thread (client.batch_each: lazily built requests, at most
    // --concurrency in flight, each result handed over as it finishes); this thread writes
    // images and manifest lines, and can stop waiting at once on a second Ctrl-C.
    let (sender, receiver) = mpsc::channel::<(usize, Result<GenerateResponse, Error>)>();
    let batch = {
        let client = connection.client.clone();
        let todo = Arc::clone(&todo);
        let tracks = Arc::clone(&tracks);
        let concurrency = args.concurrency as usize;
        std::thread::Builder::new()
            .name("gemini-image-batch".to_string())
            .spawn(move || {
                client.batch_each(
                    todo.len(),
                    |index| {
                        CURRENT_ITEM.set(Some(index));
                        let track = tracks.get(index);
                        if let Some(track) = track {
                            track.start();
                        }
                        let request = todo
                            .get(index)
                            .ok_or_else(|| Error::internal(format!("no batch item {index}")))
                            .and_then(build_request);
                        if let (Ok(_), Some(track)) = (&request, track) {
                            track.sent.store(true, Ordering::SeqCst);
                        }
                        request
                    },
                    concurrency,
                    &call,
                    |index, result| {
                        let _ = sender.send((index, result));
                    },
                );
            })
            .map_err(|err| CliError::other(format!("cannot start the batch: {err}")))?
    };
    let ctx = Worker {
        hints: &connection.hints,
        out_dir: &out_dir,
        overwrite: args.overwrite,
        progress: &progress,
    };
    let mut records = Vec::new();
    let mut fatal: Option<CliError> = None;
    let mut cancelled_in_flight = 0usize;
    loop {
        match receiver.recv_timeout(Duration::from_millis(50)) {
            Ok((index, result)) => {
                let (Some(item), Some(track)) = (todo.get(index), tracks.get(index)) else {
                    continue;
                };
                if !track.started.load(Ordering::SeqCst) {
                    // Never started (Ctrl-C or a fatal error): counted as not started.
                    continue;
                }
                IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
                if matches!(&result, Err(err) if err.kind() == ErrorKind::Cancelled) {
                    cancelled_in_flight += 1;
                    continue;
                }
                let record = ctx.record(item, track, result);
                if let Err(err) = out_dir.append(&record) {
                    // Without a manifest a resume would redo finished work: start nothing more.
                    interrupts.cancel.cancel();
                    fatal.get_or_insert(CliError::from_sdk(&err, &HintContext::default()));
                }
                records.push(record);
            }
            Err(RecvTimeoutError::Timeout) => {
                if ABANDON.load(Ordering::SeqCst) {
                    break;
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    if ABANDON.load(Ordering::SeqCst) {
        // The calls in flight finish on the batch thread; their results are dropped.
        drop(batch);
    } else if batch.join().is_err() {
        fatal.get_or_insert(CliError::other("the batch thread panicked"));
    }
    progress.finish();

    let started = tracks
        .iter()
        .filter(|t| t.started.load(Ordering::SeqCst))
        .count();
    summary.succeeded = records.iter().filter(|r| r.status == "ok").count();
    summary.failed = records.len() - summary.succeeded;
    summary.abandoned = cancelled_in_flight.max(started.saturating_sub(records.len()));
    summary.not_started = todo.len().saturating_sub(started);
    summary.interrupted = STOP.load(Ordering::SeqCst);
    let failure_codes: Vec<u8> = records
        .iter()
        .filter_map(|r| r.error.as_ref().map(|e| e.exit_code.unwrap_or(EXIT_OTHER)))
        .collect();
    summary.items = records;
    if let Some(error) = fatal {
        // The manifest could not be written: stop, loudly.
        return Err(error.into());
    }
    summary.exit_code = if summary.interrupted {
        EXIT_INTERRUPTED
    } else if let Some(first) = failure_codes.first() {
        if failure_codes.iter().all(|c| c == first) {
            *first
        } else {
            EXIT_OTHER
        }
    } else {
        EXIT_OK
    };
    summary.ok = summary.exit_code == EXIT_OK;
    print_summary(&summary);
    Ok(summary)
}

fn print_summary(s: &BatchSummary) {
    let mut line = format!(
        "batch: {} items: {} ok, {} failed",
        s.total, s.succeeded, s.failed
    );
    if s.skipped > 0 {
        line.push_str(&format!(", {} skipped (done earlier)", s.skipped));
    }
    if s.not_started > 0 {
        line.push_str(&format!(", {} not started", s.not_started));
    }
    if s.abandoned > 0 {
        line.push_str(&format!(", {} abandoned in flight", s.abandoned));
    }
    eprintln!("{line}");
    eprintln!("manifest: {}", s.manifest.display());
    if s.interrupted {
        eprintln!("interrupted: run the same command again to finish the remaining items");
    } else if s.failed > 0 {
        eprintln!(
            "some items failed (see \"error\" in the manifest); run the same command again to retry only those"
        );
    }
}

fn read_input(path: &Path) -> Result<(String, PathBuf), CliError> {
    let text = crate::prompt::read_text(path, "PROMPTS.jsonl")?;
    let base = if path.as_os_str() == "-" {
        PathBuf::new()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    Ok((text, base))
}

/// The Ctrl-C handling of one batch run: the handler is installed once per process (a host
/// may call [`crate::run`] many times) and acts only while a batch is armed; each run starts
/// from a clean state and disarms when it ends.
struct Interrupts {
    /// This run's cancel token (also reachable by the handler).
    cancel: CancelToken,
}

impl Interrupts {
    fn arm() -> Interrupts {
        let cancel = CancelToken::new();
        *lock(&CANCEL) = Some(cancel.clone());
        STOP.store(false, Ordering::SeqCst);
        ABANDON.store(false, Ordering::SeqCst);
        IN_FLIGHT.store(0, Ordering::SeqCst);
        *lock(&FIRST_INTERRUPT) = None;
        HANDLER.call_once(|| {
            if let Err(err) = ctrlc::set_handler(on_interrupt) {
                eprintln!(
                    "warning: cannot handle Ctrl-C ({err}); an interrupt will stop the batch at once"
                );
            }
        });
        ACTIVE.store(true, Ordering::SeqCst);
        Interrupts { cancel }
    }
}

impl Drop for Interrupts {
    fn drop(&mut self) {
        ACTIVE.store(false, Ordering::SeqCst);
        *lock(&CANCEL) = None;
    }
}

fn on_interrupt() {
    if !ACTIVE.load(Ordering::SeqCst) {
        return;
    }
    let now = Instant::now();
    let mut first = lock(&FIRST_INTERRUPT);
    match *first {
        None => {
            *first = Some(now);
            STOP.store(true, Ordering::SeqCst);
            if let Some(cancel) = lock(&CANCEL).as_ref() {
                cancel.cancel();
            }
            eprintln!(
                "\ninterrupted: finishing {} item(s) in flight, starting no new ones; press Ctrl-C again to abandon them",
                IN_FLIGHT.load(Ordering::SeqCst)
            );
        }
        // The same interrupt delivered twice (GNU timeout: child, then process group).
        Some(at) if now.duration_since(at) < SAME_INTERRUPT => {}
        Some(_) => {
            if !ABANDON.swap(true, Ordering::SeqCst) {
                eprintln!(
                    "\ninterrupted again: abandoning the items in flight (finished images are kept)"
                );
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

thread_local! {
    /// The batch item a worker thread is running (set when the worker builds it), so the
    /// retry observer, called on that thread, knows which item is retrying.
    static CURRENT_ITEM: Cell<Option<usize>> = const { Cell::new(None) };
}

/// What this run knows about one item while it runs.
#[derive(Default)]
struct Track {
    /// A worker took it.
    started: AtomicBool,
    /// Its request was built and sent.
    sent: AtomicBool,
    /// When the worker took it, in milliseconds since `EPOCH`.
    started_ms: AtomicU32,
    /// The latest attempt (1 until a retry).
    attempts: AtomicU32,
}

static EPOCH: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);

fn since_epoch_ms() -> u32 {
    u32::try_from(EPOCH.elapsed().as_millis()).unwrap_or(u32::MAX)
}

impl Track {
    fn start(&self) {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        self.started_ms.store(since_epoch_ms(), Ordering::SeqCst);
        self.attempts.store(1, Ordering::SeqCst);
        self.started.store(true, Ordering::SeqCst);
    }

    fn elapsed_ms(&self) -> u64 {
        u64::from(since_epoch_ms().saturating_sub(self.started_ms.load(Ordering::SeqCst)))
    }
}

/// Prints each retry as it starts — `fox: rate limited (429), retrying in 7 s (attempt 2 of
/// 3)` — and counts the item's attempts.
fn retry_printer(
    todo: &Arc<Vec<Item>>,
    tracks: &Arc<Vec<Track>>,
    progress: &Arc<Progress>,
) -> Arc<dyn Fn(&RetryEvent) + Send + Sync> {
    let todo = Arc::clone(todo);
    let tracks = Arc::clone(tracks);
    let progress = Arc::clone(progress);
    Arc::new(move |event: &RetryEvent| {
        let index = CURRENT_ITEM.get();
        if let Some(track) = index.and_then(|i| tracks.get(i)) {
            track.attempts.fetch_max(event.attempt, Ordering::SeqCst);
        }
        let id = index
            .and_then(|i| todo.get(i))
            .map_or("item", |item| item.id.as_str());
        progress.note(&format!("{id}: {event}"));
    })
}

struct Worker<'a> {
    hints: &'a HintContext,
    out_dir: &'a BatchDir,
    overwrite: bool,
    progress: &'a Progress,
}

impl Worker<'_> {
    /// The finished item's record, its images written first; prints its progress line.
    fn record(
        &self,
        item: &Item,
        track: &Track,
        result: Result<GenerateResponse, Error>,
    ) -> Record {
        let mut record = Record::new(
            item.id.clone(),
            item.line,
            item.prompt.clone(),
            item.model.clone(),
        );
        record.elapsed_ms = track.elapsed_ms();
        record.attempts = if track.sent.load(Ordering::SeqCst) {
            track.attempts.load(Ordering::SeqCst).max(1)
        } else {
            0
        };
        let fail = |record: &mut Record, error: CliError| {
            let mut failure = RecordError::new(error.kind.clone(), redact(&error.message));
            failure.hint = error.hint.as_deref().map(redact);
            failure.exit_code = Some(error.code);
            record.set_error(failure);
        };
        match result {
            Ok(response) => {
                match self
                    .out_dir
                    .save_response(&mut record, &item.stem, response, self.overwrite)
                {
                    Ok(saved) => {
                        for image in saved.iter().filter(|s| s.renamed) {
                            self.progress.note(&format!(
                                "warning: {} already exists: wrote {} instead (pass --overwrite to replace it)",
                                image.requested.display(),
                                image.path.display()
                            ));
                        }
                    }
                    Err(err) => fail(
                        &mut record,
                        CliError::from_sdk(&err, &HintContext::default()),
                    ),
                }
            }
            Err(err) => {
                let hints = HintContext {
                    attempts: Some(record.attempts),
                    ..self.hints.clone()
                };
                fail(&mut record, sdk_failure(&err, &hints));
            }
        }
        let line = match &record.error {
            None => {
                let paths: Vec<String> = record
                    .paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect();
                let retry = if record.attempts > 1 {
                    format!(" (attempt {})", record.attempts)
                } else {
                    String::new()
                };
                format!("ok {} -> {}{retry}", item.id, paths.join(", "))
            }
            Some(error) => format!("error {} (line {}): {}", item.id, item.line, error.message),
        };
        self.progress
            .item_done(&redact(&line), record.error.is_none());
        record
    }
}

/// The item's request; its input images are read here, when a worker takes the item.
fn build_request(item: &Item) -> Result<GenerateRequest, Error> {
    let mut parts = vec![Part::text(item.prompt.clone())];
    for (index, path) in item.images.iter().enumerate() {
        let blob = load_image(path, &format!("images[{index}]"))?;
        parts.push(Part::from_data(PartData::InlineData(blob)));
    }
    Ok(GenerateRequest::new(item.model.clone())
        .with_user_turn(parts)
        .with_options(&item.options))
}

/// A progress bar on a terminal, plain lines otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    done: AtomicUsize,
    failed: AtomicUsize,
}

impl Progress {
    fn new(total: usize, terminal: bool) -> Progress {
        let bar = terminal.then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
            ) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            total,
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        }
    }

    fn item_done(&self, line: &str, ok: bool) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        if !ok {
            self.failed.fetch_add(1, Ordering::SeqCst);
        }
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                bar.set_message(format!("{} failed", self.failed.load(Ordering::SeqCst)));
                bar.inc(1);
            }
            None => eprintln!("[{done}/{}] {line}", self.total),
        }
    }

    /// A line printed above the bar (or plainly).
    fn note(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(redact(line)),
            None => eprintln!("{}", redact(line)),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
