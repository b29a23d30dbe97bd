//! Per-call controls every front door needs: cancelling from another thread
//! ([`CancelToken`]), an overall deadline, and watching retries as they start
//! ([`RetryEvent`]).

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gemini_image_core::{Error, ErrorKind, ImageAllocator};

/// Cancels calls from any thread: `AbortSignal`, asyncio task cancellation and coroutine
/// cancellation all end up here. Cheap to clone; every clone controls the same calls.
///
/// A cancelled call stops before its next attempt and wakes from a retry wait at once,
/// returning kind `cancelled`. An HTTP exchange already on the wire is not torn down (the
/// blocking transport cannot be interrupted); its outcome is dropped when it ends, within
/// the call's timeout. A stream stops between two reads.
#[derive(Clone, Default)]
pub struct CancelToken {
    state: Arc<(Mutex<bool>, Condvar)>,
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Cancels every call watching this token (idempotent).
    pub fn cancel(&self) {
        let (flag, wake) = &*self.state;
        *flag.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        *self.state.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits `duration`, or less if cancelled meanwhile; returns whether it was cancelled.
    pub(crate) fn wait(&self, duration: Duration) -> bool {
        let (flag, wake) = &*self.state;
        let guard = flag.lock().unwrap_or_else(PoisonError::into_inner);
        let (guard, _) = wake
            .wait_timeout_while(guard, duration, |cancelled| !*cancelled)
            .unwrap_or_else(PoisonError::into_inner);
        *guard
    }
}

/// A retry about to happen, reported to [`CallOptions::on_retry`] before the wait.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryEvent {
    /// The attempt that will be made after the wait (2 for the first retry).
    pub attempt: u32,
    /// The most attempts the policy allows.
    pub max_attempts: u32,
    /// How long the client waits first.
    pub delay: Duration,
    /// The kind of the failure that is being retried.
    pub error_kind: ErrorKind,
    /// Its HTTP status, if it came from a response.
    pub http_status: Option<u16>,
    /// Its message (the key scrubbed).
    pub message: String,
}

impl fmt::Display for RetryEvent {
    /// `rate limited (429), retrying in 7 s (attempt 2 of 3)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error_kind.as_str().replace('_', " "))?;
        if let Some(status) = self.http_status {
            write!(f, " ({status})")?;
        }
        let secs = self.delay.as_secs_f64();
        if secs >= 10.0 || secs.fract() == 0.0 {
            write!(f, ", retrying in {secs:.0} s")?;
        } else {
            write!(f, ", retrying in {secs:.1} s")?;
        }
        write!(f, " (attempt {} of {})", self.attempt, self.max_attempts)
    }
}

/// Called as a retry starts (on the calling thread, before the wait).
pub type RetryObserver = Arc<dyn Fn(&RetryEvent) + Send + Sync>;

/// Controls for one call: cancellation, an overall deadline, a retry observer. The default
/// has none of them.
///
/// ```
/// use std::time::Duration;
/// use gemini_image::{CallOptions, CancelToken};
/// let cancel = CancelToken::new();
/// let options = CallOptions::new()
///     .with_cancel(cancel.clone())
///     .with_deadline(Duration::from_secs(60))
///     .with_on_retry(std::sync::Arc::new(|event| eprintln!("{event}")));
/// # let _ = options;
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    /// Stops the call when cancelled.
    pub cancel: Option<CancelToken>,
    /// The most the whole call may take: every attempt and every wait between them. Each
    /// attempt's timeout is cut to what is left; when nothing is left the call ends with
    /// kind `timeout`.
    pub deadline: Option<Duration>,
    /// Told about every retry before its wait.
    pub on_retry: Option<RetryObserver>,
    /// Where response images are decoded into, each at its exact size (a binding's own
    /// byte objects, say); `None` keeps them in Rust `Vec`s (a non-streaming response's
    /// decoded piece by piece as they arrive).
    pub image_allocator: Option<Arc<dyn ImageAllocator>>,
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallOptions")
            .field("cancel", &self.cancel)
            .field("deadline", &self.deadline)
            .field("on_retry", &self.on_retry.as_ref().map(|_| "<observer>"))
            .field(
                "image_allocator",
                &self.image_allocator.as_ref().map(|_| "<allocator>"),
            )
            .finish()
    }
}

impl CallOptions {
    /// No cancellation, no deadline, no observer.
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// Watches `token`.
    #[must_use]
    pub fn with_cancel(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// Bounds the whole call.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Reports retries to `observer`.
    #[must_use]
    pub fn with_on_retry(mut self, observer: RetryObserver) -> Self {
        self.on_retry = Some(observer);
        self
    }

    /// Decodes response images into buffers from `allocator`.
    #[must_use]
    pub fn with_image_allocator(mut self, allocator: Arc<dyn ImageAllocator>) -> Self {
        self.image_allocator = Some(allocator);
        self
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(CancelToken::is_cancelled)
    }

    pub(crate) fn cancelled_error(&self) -> Error {
        Error::cancelled("the call was cancelled")
    }

    /// The time left before the deadline, if there is one (zero once it passed).
    pub(crate) fn remaining(&self, started: Instant) -> Option<Duration> {
        self.deadline
            .map(|deadline| deadline.saturating_sub(started.elapsed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_wakes_a_wait() {
        let token = CancelToken::new();
        let other = token.clone();
        let started = Instant::now();
        let waiter = std::thread::spawn(move || other.wait(Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(50));
        token.cancel();
        assert_eq!(waiter.join().ok(), Some(true));
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(!CancelToken::new().wait(Duration::from_millis(1)));
    }

    #[test]
    fn retry_event_reads_well() {
        let event = RetryEvent {
            attempt: 2,
            max_attempts: 3,
            delay: Duration::from_secs(7),
            error_kind: ErrorKind::RateLimited,
            http_status: Some(429),
            message: String::new(),
        };
        assert_eq!(
            event.to_string(),
            "rate limited (429), retrying in 7 s (attempt 2 of 3)"
        );
    }
}
