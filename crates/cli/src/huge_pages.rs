//! Huge pages for big responses. A 20 MB image arrives as ~28 MB of JSON and is decoded
//! into a 21 MB buffer: in a one-shot process every page of both is fresh, and the ~12,000
//! page faults cost more than parsing and decoding together (docs/benchmarks.md). glibc's
//! malloc asks the kernel for transparent huge pages when `glibc.malloc.hugetlb=1`, a
//! tunable it reads only from the environment at process start, so the CLI re-executes
//! itself once with it set. Nothing else changes: same PID, arguments, environment and
//! standard streams. Set `GEMINI_IMAGE_HUGE_PAGES=0` to opt out.

/// The opt-out variable.
pub const ENV_HUGE_PAGES: &str = "GEMINI_IMAGE_HUGE_PAGES";

/// Re-executes the current process once with `glibc.malloc.hugetlb=1` (glibc on Linux only;
/// elsewhere, with the tunable already set, or with `GEMINI_IMAGE_HUGE_PAGES=0`, it returns
/// at once). Only a standalone binary's `main` may call it, before anything else: it
/// replaces the process. [`crate::run`] never calls it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn reexec_with_huge_pages() {
    use std::os::unix::process::CommandExt;

    const TUNABLE: &str = "glibc.malloc.hugetlb";
    if std::env::var_os(ENV_HUGE_PAGES).is_some_and(|v| v == "0") {
        return;
    }
    let current = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
    // Already set (by us or the user): never loop.
    if current.contains(TUNABLE) {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let tunables = if current.is_empty() {
        format!("{TUNABLE}=1")
    } else {
        format!("{current}:{TUNABLE}=1")
    };
    let mut args = std::env::args_os();
    let mut command = std::process::Command::new(exe);
    if let Some(arg0) = args.next() {
        command.arg0(arg0);
    }
    // `exec` only returns on failure; then carry on without huge pages.
    let _ = command.args(args).env("GLIBC_TUNABLES", tunables).exec();
}

/// Does nothing on this platform (glibc on Linux only).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn reexec_with_huge_pages() {}
