//! Helpers for running the built `gemini-image` binary against a loopback emulator.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gemini_image_emulator::{Emulator, EmulatorConfig};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_gemini-image");

/// Longest any single CLI run may take in these tests.
pub const RUN_LIMIT: Duration = Duration::from_secs(60);

/// What a run produced.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout parsed as one JSON value.
    pub fn json(&self) -> serde_json::Value {
        assert_eq!(
            self.stdout.trim().lines().count(),
            1,
            "stdout must be exactly one JSON line, got {:?}",
            self.stdout
        );
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// Both streams, for assertions on messages.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A scratch directory plus an emulator, with a builder for CLI runs.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub emulator: Emulator,
}

impl Env {
    pub fn new() -> Env {
        Env::with_config(EmulatorConfig::default())
    }

    pub fn with_config(config: EmulatorConfig) -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
            emulator: Emulator::start(config).expect("emulator"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A command in the scratch dir with a clean environment, pointed at the emulator's
    /// gateway URL with a test key (via the environment).
    pub fn cmd(&self) -> Cmd {
        let mut cmd = Cmd::bare(self.dir.path());
        cmd.env("GEMINI_IMAGE_BASE_URL", &self.emulator.gateway_url());
        cmd.env("THUCCHIEN_API_KEY", "test-key");
        cmd
    }
}

/// A command being assembled.
pub struct Cmd {
    command: Command,
}

impl Cmd {
    /// The binary with no configuration from the test's environment.
    pub fn bare(dir: &Path) -> Cmd {
        let mut command = Command::new(BIN);
        command.current_dir(dir);
        for name in [
            "THUCCHIEN_API_KEY",
            "GEMINI_API_KEY",
            "GOOGLE_API_KEY",
            "GEMINI_IMAGE_BASE_URL",
            "GEMINI_IMAGE_MODEL",
            "HTTPS_PROXY",
            "HTTP_PROXY",
            "ALL_PROXY",
            "https_proxy",
            "http_proxy",
            "all_proxy",
        ] {
            command.env_remove(name);
        }
        command.env("NO_PROXY", "*");
        command.stdin(Stdio::null());
        Cmd { command }
    }

    pub fn env(&mut self, name: &str, value: &str) -> &mut Cmd {
        self.command.env(name, value);
        self
    }

    pub fn stdin_piped(&mut self) -> &mut Cmd {
        self.command.stdin(Stdio::piped());
        self
    }

    pub fn env_remove(&mut self, name: &str) -> &mut Cmd {
        self.command.env_remove(name);
        self
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Starts the process with piped output.
    pub fn spawn(&mut self) -> Child {
        self.command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn gemini-image")
    }

    /// Runs to completion (killed after [`RUN_LIMIT`]).
    pub fn run(&mut self) -> Output {
        let child = self.spawn();
        wait(child, RUN_LIMIT)
    }
}

/// Waits for `child` at most `limit`, collecting its output; kills it on overrun.
pub fn wait(mut child: Child, limit: Duration) -> Output {
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gemini-image ran longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&out_thread.join().expect("join")).into_owned();
    let stderr = String::from_utf8_lossy(&err_thread.join().expect("join")).into_owned();
    Output {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

/// Pixel size read from a PNG or JPEG file header.
pub fn dims(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    gemini_image_core::image_dimensions(&bytes).expect("image header")
}

/// The MIME type the file's bytes say.
pub fn mime(path: &Path) -> &'static str {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    gemini_image_core::sniff_mime(&bytes).expect("known image type")
}

/// A small valid PNG written to `path` (made by the emulator for a 2.5 model).
pub fn write_png(env: &Env, name: &str) -> PathBuf {
    let out = env
        .cmd()
        .args([
            "generate",
            "seed picture",
            "--model",
            "gemini-2.5-flash-image",
            "-o",
        ])
        .arg_path(&env.path(name))
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    env.path(name).with_extension("png")
}

impl Cmd {
    pub fn arg_path(&mut self, path: &Path) -> &mut Cmd {
        self.command.arg(path);
        self
    }
}
