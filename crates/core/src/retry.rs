//! Pure retry decisions. The caller passes the attempt number and a jitter value; the
//! transport does the sleeping.

use std::time::Duration;

use crate::error::Error;

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after this delay.
    Retry {
        /// How long to wait first.
        after: Duration,
    },
    /// Return the error.
    GiveUp,
}

/// Capped exponential backoff with jitter; server-requested delays win (floored at the
/// initial backoff and spread by jitter, see [`RetryPolicy::decide`]). Start from
/// [`RetryPolicy::default`] (or [`RetryPolicy::none`]) and adjust:
///
/// ```
/// use std::time::Duration;
/// use gemini_image_core::RetryPolicy;
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(500))
///     .max_backoff(Duration::from_secs(10));
/// assert_eq!(policy.max_attempts, 5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total attempts, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Backoff before the second attempt.
    pub initial_backoff: Duration,
    /// Backoff cap.
    pub max_backoff: Duration,
    /// A server asking for a longer wait than this means: give up now and say so.
    pub max_server_delay: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 1 s then 2 s (± jitter), capped at 30 s; server delays up to 60 s honoured.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_server_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The default policy with `max_attempts` total attempts.
    pub fn with_max_attempts(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            ..RetryPolicy::default()
        }
    }

    /// Sets the total attempts, the first included (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the backoff before the second attempt.
    #[must_use]
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the backoff cap.
    #[must_use]
    pub fn max_backoff(mut self, cap: Duration) -> Self {
        self.max_backoff = cap;
        self
    }

    /// Sets the longest server-requested delay honoured (a longer one gives up at once).
    #[must_use]
    pub fn max_server_delay(mut self, limit: Duration) -> Self {
        self.max_server_delay = limit;
        self
    }

    /// Decides after attempt number `attempt` (1-based) failed with `error`. `jitter` is a
    /// value in `0.0..=1.0` from the caller's random source (0 gives half the backoff, 1 the
    /// whole of it; for a server-requested delay, 0 gives the delay itself and 1 a quarter
    /// more). A server delay is never shorter than the initial backoff.
    pub fn decide(&self, attempt: u32, error: &Error, jitter: f64) -> RetryDecision {
        if attempt >= self.max_attempts || !error.is_retryable() {
            return RetryDecision::GiveUp;
        }
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if let Some(asked) = error.retry_after() {
            if asked > self.max_server_delay {
                return RetryDecision::GiveUp;
            }
            return RetryDecision::Retry {
                after: self.server_delay(asked, jitter),
            };
        }
        let exponent = attempt.saturating_sub(1).min(20);
        let backoff = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        RetryDecision::Retry {
            after: backoff.mul_f64(0.5 + 0.5 * jitter),
        }
    }

    /// The wait for a server-requested delay: never below the initial backoff (a `"0s"`
    /// must not turn every client into an immediate hammer), plus up to
    /// [`SERVER_DELAY_SPREAD`] of it from `jitter`, so that many workers told the same
    /// delay by one 429 do not all come back in the same instant.
    fn server_delay(&self, asked: Duration, jitter: f64) -> Duration {
        let base = asked.max(self.initial_backoff);
        base.saturating_add(base.mul_f64(SERVER_DELAY_SPREAD * jitter))
    }
}

/// How far past a server-requested delay a retry may be spread (a fraction of the delay).
pub const SERVER_DELAY_SPREAD: f64 = 0.25;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TransportFailure;
    use crate::response::parse_response;

    #[test]
    fn decisions() {
        let policy = RetryPolicy::default();
        let net = Error::transport(TransportFailure::Network, "reset");
        assert_eq!(
            policy.decide(1, &net, 1.0),
            RetryDecision::Retry {
                after: Duration::from_secs(1)
            }
        );
        assert_eq!(
            policy.decide(2, &net, 0.0),
            RetryDecision::Retry {
                after: Duration::from_secs(1)
            }
        );
        assert_eq!(policy.decide(3, &net, 0.0), RetryDecision::GiveUp);
        let auth = parse_response(401, &[], b"{}").unwrap_err();
        assert_eq!(policy.decide(1, &auth, 0.0), RetryDecision::GiveUp);
        let slow = parse_response(
            429,
            &[("retry-after".into(), "120".into())],
            b"{\"error\":{\"code\":429,\"message\":\"x\"}}",
        )
        .unwrap_err();
        assert_eq!(policy.decide(1, &slow, 0.0), RetryDecision::GiveUp);
        let not_impl = parse_response(501, &[], b"").unwrap_err();
        assert_eq!(policy.decide(1, &not_impl, 0.0), RetryDecision::GiveUp);
        assert_eq!(
            RetryPolicy::none().decide(1, &net, 0.0),
            RetryDecision::GiveUp
        );
    }

    fn asked(seconds: &str) -> Error {
        parse_response(
            429,
            &[("retry-after".into(), seconds.into())],
            b"{\"error\":{\"code\":429,\"message\":\"x\"}}",
        )
        .unwrap_err()
    }

    fn wait(policy: &RetryPolicy, error: &Error, jitter: f64) -> Duration {
        match policy.decide(1, error, jitter) {
            RetryDecision::Retry { after } => after,
            RetryDecision::GiveUp => panic!("gave up on {error:?}"),
        }
    }

    #[test]
    fn server_delays_have_a_floor_and_a_spread() {
        let policy = RetryPolicy::default();
        let seven = asked("7");
        assert_eq!(wait(&policy, &seven, 0.0), Duration::from_secs(7));
        assert_eq!(wait(&policy, &seven, 1.0), Duration::from_millis(8750));
        // "0s" (or any delay under the initial backoff) waits the initial backoff.
        let zero = asked("0");
        assert_eq!(wait(&policy, &zero, 0.0), Duration::from_secs(1));
        // 32 workers told the same delay by one 429 come back spread over a window.
        let waits: Vec<Duration> = (0..32)
            .map(|i| wait(&policy, &seven, f64::from(i) / 31.0))
            .collect();
        let spread = waits.iter().max().copied().unwrap_or_default()
            - waits.iter().min().copied().unwrap_or_default();
        assert!(spread >= Duration::from_millis(1500), "{spread:?}");
        let distinct: std::collections::BTreeSet<_> = waits.iter().collect();
        assert_eq!(distinct.len(), 32);
        // A policy without backoff (tests, callers doing their own pacing) keeps "0s".
        let eager = RetryPolicy::default().initial_backoff(Duration::ZERO);
        assert_eq!(wait(&eager, &zero, 1.0), Duration::ZERO);
    }

    proptest::proptest! {
        #[test]
        fn decisions_never_panic(
            attempt in 0u32..100,
            initial_ms in 0u64..u64::MAX,
            cap_ms in 0u64..u64::MAX,
            jitter in proptest::num::f64::ANY,
            server in proptest::option::of("[0-9eE.+-]{0,12}"),
        ) {
            let policy = RetryPolicy::default()
                .max_attempts(100)
                .initial_backoff(Duration::from_millis(initial_ms))
                .max_backoff(Duration::from_millis(cap_ms))
                .max_server_delay(Duration::MAX);
            let error = match server {
                Some(text) => asked(&text),
                None => Error::transport(TransportFailure::Network, "reset"),
            };
            let _ = policy.decide(attempt, &error, jitter);
        }
    }
}
