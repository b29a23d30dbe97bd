//! Fault directives: `[[fault:NAME]]`, `[[fault:NAME:N]]`, `[[delay:MS]]` and `[[bytes:N]]`
//! tokens in the prompt, and the `x-emulator-fault`, `x-emulator-delay-ms` and
//! `x-emulator-image-bytes` request headers.

use std::fmt;
use std::str::FromStr;

/// A scripted failure (or oddity) the emulator can produce on demand.
///
/// See the crate documentation for what each one sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// Google 429 `RESOURCE_EXHAUSTED` with `QuotaFailure` and `RetryInfo` (`retryDelay` 1s).
    RateLimit,
    /// Google 429 "Your prepayment credits are depleted" (no details; not retryable).
    Credits,
    /// Gateway (LiteLLM) 429 `budget_exceeded` (not retryable).
    Budget,
    /// 503 `UNAVAILABLE` "The model is overloaded. Please try again later."
    Overloaded,
    /// 504 `DEADLINE_EXCEEDED`.
    Deadline,
    /// 500 `INTERNAL`.
    Internal,
    /// Waits before sending anything (the delay, default 3000 ms).
    Slow,
    /// Sends status and headers at once, then stalls the body for the delay.
    SlowBody,
    /// Sends status, headers and part of the body, then closes the connection.
    Drop,
    /// HTTP 200, `finishReason: IMAGE_SAFETY` with a `finishMessage`, content `{}`.
    ImageSafety,
    /// HTTP 200, `finishReason: IMAGE_PROHIBITED_CONTENT`.
    Prohibited,
    /// HTTP 200, `finishReason: NO_IMAGE`.
    NoImage,
    /// HTTP 200, no candidates, `promptFeedback.blockReason: PROHIBITED_CONTENT`.
    Blocked,
    /// HTTP 200, `finishReason: STOP` with only the text "I can't create images of that."
    Refusal,
    /// 502 with an HTML body (`text/html`), like a front proxy's error page.
    Html502,
    /// Streams: after the first event, `data: {"error":{"code":503,…}}` and a blank line
    /// (an SSE event both official SDKs raise as a 503), then EOF. Non-stream requests:
    /// same as `overloaded`.
    StreamError,
    /// Streams: after the first event, a raw `{"error":{"code":503,…}}` line without
    /// `data:` (for testing a client's robustness), then EOF. Non-stream: as `overloaded`.
    StreamErrorRaw,
    /// Streams: adds a `: keep-alive` SSE comment between the interim and the final
    /// chunks, as the gateway's keep-alive pings do (combines with the others). This is
    /// already the default under `/gemini`.
    KeepAlive,
}

impl Fault {
    /// Every fault, in documentation order.
    pub const ALL: &'static [Fault] = &[
        Fault::RateLimit,
        Fault::Credits,
        Fault::Budget,
        Fault::Overloaded,
        Fault::Deadline,
        Fault::Internal,
        Fault::Slow,
        Fault::SlowBody,
        Fault::Drop,
        Fault::ImageSafety,
        Fault::Prohibited,
        Fault::NoImage,
        Fault::Blocked,
        Fault::Refusal,
        Fault::Html502,
        Fault::StreamError,
        Fault::StreamErrorRaw,
        Fault::KeepAlive,
    ];

    /// The name used in `[[fault:NAME]]` and `x-emulator-fault`.
    pub fn name(self) -> &'static str {
        match self {
            Fault::RateLimit => "rate_limit",
            Fault::Credits => "credits",
            Fault::Budget => "budget",
            Fault::Overloaded => "overloaded",
            Fault::Deadline => "deadline",
            Fault::Internal => "internal",
            Fault::Slow => "slow",
            Fault::SlowBody => "slow_body",
            Fault::Drop => "drop",
            Fault::ImageSafety => "image_safety",
            Fault::Prohibited => "prohibited",
            Fault::NoImage => "no_image",
            Fault::Blocked => "blocked",
            Fault::Refusal => "refusal",
            Fault::Html502 => "html_502",
            Fault::StreamError => "stream_error",
            Fault::StreamErrorRaw => "stream_error_raw",
            Fault::KeepAlive => "keepalive",
        }
    }

    /// Whether this fault only changes timing (and combines with the others).
    pub fn is_timing(self) -> bool {
        matches!(self, Fault::Slow | Fault::SlowBody)
    }

    /// Whether this fault only changes timing or SSE comments, and so combines with the
    /// others.
    pub fn is_modifier(self) -> bool {
        self.is_timing() || self == Fault::KeepAlive
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown emulator fault {s:?}; known faults: {}",
                    names.join(", ")
                )
            })
    }
}

/// One requested fault: always, or only the first `times` times a prompt is seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FaultSpec {
    pub(crate) fault: Fault,
    pub(crate) times: Option<u64>,
}

impl FaultSpec {
    /// Whether the fault fires for the `seen`-th request (1-based) with this prompt.
    pub(crate) fn fires(&self, seen: u64) -> bool {
        self.times.is_none_or(|n| seen <= n)
    }
}

fn parse_spec(text: &str) -> Result<FaultSpec, String> {
    let text = text.trim();
    let (name, times) = match text.rsplit_once(':') {
        Some((name, n)) => {
            let n: u64 = n
                .trim()
                .parse()
                .map_err(|_| format!("bad count in emulator fault {text:?}; use NAME or NAME:N"))?;
            (name, Some(n))
        }
        None => (text, None),
    };
    Ok(FaultSpec {
        fault: name.parse()?,
        times,
    })
}

/// Everything the prompt and headers ask of the emulator.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Directives {
    pub(crate) faults: Vec<FaultSpec>,
    pub(crate) delay_ms: Option<u64>,
    pub(crate) image_bytes: Option<usize>,
}

impl Directives {
    /// Reads `[[…]]` tokens out of `prompt`; returns the prompt without them as well.
    pub(crate) fn from_prompt(prompt: &str) -> Result<(Directives, String), String> {
        let mut d = Directives::default();
        let mut clean = String::with_capacity(prompt.len());
        let mut rest = prompt;
        while let Some(start) = rest.find("[[") {
            let Some(len) = rest[start + 2..].find("]]") else {
                break;
            };
            let token = &rest[start + 2..start + 2 + len];
            let lower = token.trim().to_ascii_lowercase();
            let handled = if let Some(spec) = lower.strip_prefix("fault:") {
                d.faults.push(parse_spec(spec)?);
                true
            } else if let Some(ms) = lower.strip_prefix("delay:") {
                d.delay_ms = Some(
                    ms.trim()
                        .parse()
                        .map_err(|_| format!("bad [[delay:MS]] value {ms:?}"))?,
                );
                true
            } else if let Some(n) = lower.strip_prefix("bytes:") {
                d.image_bytes = Some(parse_size(n)?);
                true
            } else {
                false
            };
            let end = start + 2 + len + 2;
            if handled {
                clean.push_str(&rest[..start]);
            } else {
                clean.push_str(&rest[..end]);
            }
            rest = &rest[end..];
        }
        clean.push_str(rest);
        let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok((d, clean))
    }

    /// Adds what the `x-emulator-*` headers ask for.
    pub(crate) fn add_headers(
        &mut self,
        fault: Option<&str>,
        delay_ms: Option<&str>,
        image_bytes: Option<&str>,
    ) -> Result<(), String> {
        if let Some(list) = fault {
            for item in list.split(',').filter(|s| !s.trim().is_empty()) {
                self.faults.push(parse_spec(item)?);
            }
        }
        if let Some(ms) = delay_ms {
            self.delay_ms = Some(
                ms.trim()
                    .parse()
                    .map_err(|_| format!("bad x-emulator-delay-ms value {ms:?}"))?,
            );
        }
        if let Some(n) = image_bytes {
            self.image_bytes = Some(parse_size(n)?);
        }
        Ok(())
    }
}

/// `1234`, `64k`/`64kb`, `20m`/`20mb` (binary multiples).
fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.strip_suffix('b').unwrap_or(&t);
    let (num, mult) = if let Some(n) = t.strip_suffix('k') {
        (n, 1024)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 1024 * 1024)
    } else {
        (t, 1)
    };
    let n: usize = num
        .trim()
        .parse()
        .map_err(|_| format!("bad image byte size {text:?}; use e.g. 5000000, 512k or 20m"))?;
    let total = n
        .checked_mul(mult)
        .filter(|&v| v <= 1 << 30)
        .ok_or_else(|| format!("image byte size {text:?} is over the 1 GiB cap"))?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tokens_and_strips_them() {
        let (d, clean) = Directives::from_prompt(
            "a cat [[fault:rate_limit:2]] on a [[delay:50]] mat [[bytes:1m]] [[other]]",
        )
        .unwrap();
        assert_eq!(
            d.faults,
            vec![FaultSpec {
                fault: Fault::RateLimit,
                times: Some(2)
            }]
        );
        assert_eq!(d.delay_ms, Some(50));
        assert_eq!(d.image_bytes, Some(1 << 20));
        assert_eq!(clean, "a cat on a mat [[other]]");
        assert!(Directives::from_prompt("[[fault:nope]]").is_err());
    }

    #[test]
    fn headers_add_faults() {
        let mut d = Directives::default();
        d.add_headers(Some("slow, drop:1"), Some("10"), Some("2000"))
            .unwrap();
        assert_eq!(d.faults.len(), 2);
        assert!(d.faults[1].fires(1) && !d.faults[1].fires(2));
        assert!(d.faults[0].fires(99));
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>().unwrap(), *f);
        }
    }
}
