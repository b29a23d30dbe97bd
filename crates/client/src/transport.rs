//! The ureq side: one agent per client, sending a core [`HttpRequest`] and mapping
//! ureq's failures onto the core's transport errors.

use std::io;
use std::time::Duration;

use gemini_image_core::{
    BodyReader, Error, HttpRequest, ImageSink, MAX_ERROR_BODY_BYTES, TransportFailure,
    scrub_secrets,
};

/// ureq's read and write buffer, per connection.
const SOCKET_BUFFER_BYTES: usize = 512 * 1024;

/// Settings the agent is built from.
pub(crate) struct AgentSettings<'a> {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub proxy: Option<&'a str>,
    pub user_agent: &'a str,
}

/// Builds the keep-alive agent. Statuses are never errors (the core parses error bodies),
/// timeouts are always set, redirects are not followed (a POST must not turn into a GET).
/// The socket buffers are 512 KiB each way instead of ureq's 128 KiB: image bodies are tens
/// of MB, and fewer, larger reads and writes made a 20 MB edit (28 MB up, 28 MB down) about
/// 25 % faster from Python against the emulator (docs/benchmarks.md).
pub(crate) fn agent(settings: &AgentSettings<'_>) -> Result<ureq::Agent, Error> {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(settings.timeout))
        .timeout_connect(Some(settings.connect_timeout))
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(settings.user_agent)
        .max_idle_connections(32)
        .max_idle_connections_per_host(16)
        .output_buffer_size(SOCKET_BUFFER_BYTES)
        .input_buffer_size(SOCKET_BUFFER_BYTES);
    if let Some(url) = settings.proxy {
        let proxy = ureq::Proxy::new(url).map_err(|err| {
            Error::invalid(
                "proxy",
                format!(
                    "is not a usable proxy URL ({}); use e.g. http://host:3128 or socks5://host:1080",
                    describe_config_error(&err)
                ),
            )
        })?;
        config = config.proxy(Some(proxy));
    }
    Ok(config.build().into())
}

/// ureq's own message for a configuration error, without echoing the URL (which may hold
/// proxy credentials).
fn describe_config_error(err: &ureq::Error) -> &'static str {
    match err {
        ureq::Error::InvalidProxyUrl => "invalid proxy URL",
        ureq::Error::BadUri(_) => "bad URI",
        _ => "unsupported",
    }
}

/// How the time of one exchange is bounded.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Limit {
    /// The agent's overall timeout, or this one instead (a call deadline cuts it short).
    Whole(Option<Duration>),
    /// A stream: the headers must come within the first duration, then each read of the
    /// body within the second (an idle timeout); the time the caller spends between reads
    /// does not count.
    Stream { headers: Duration, idle: Duration },
}

/// Sends `request`; returns the response with its body unread.
pub(crate) fn send(
    agent: &ureq::Agent,
    request: &HttpRequest,
    user_agent: &str,
    limit: Limit,
) -> Result<ureq::http::Response<ureq::Body>, Error> {
    let mut builder = agent.post(&request.url);
    for (name, value) in &request.headers {
        if name.eq_ignore_ascii_case("user-agent") {
            continue;
        }
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder = builder.header("user-agent", user_agent);
    builder = match limit {
        Limit::Whole(None) => builder,
        Limit::Whole(Some(timeout)) => builder.config().timeout_global(Some(timeout)).build(),
        Limit::Stream { headers, idle } => builder
            .config()
            .timeout_global(None)
            .timeout_recv_response(Some(headers))
            .timeout_per_read(Some(idle))
            .build(),
    };
    builder.send(&request.body[..]).map_err(map_ureq)
}

/// The status and headers of a response, in the shape the core takes.
pub(crate) fn head(response: &ureq::http::Response<ureq::Body>) -> (u16, Vec<(String, String)>) {
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    (response.status().as_u16(), headers)
}

/// How much of a body is read at a time.
pub(crate) const READ_CHUNK: usize = 64 * 1024;

/// Reads into `buf`, retrying reads interrupted by a signal.
pub(crate) fn read_retrying_interrupts(
    reader: &mut impl io::Read,
    buf: &mut [u8],
) -> Result<usize, Error> {
    loop {
        match reader.read(buf) {
            Ok(n) => return Ok(n),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(map_io(err)),
        }
    }
}

/// Reads a success body into `reader` in [`READ_CHUNK`] pieces, refusing more than
/// `limit` bytes: the body is never held whole, and no buffer is sized from what the
/// server's `Content-Length` claims.
pub(crate) fn read_body_into<S: ImageSink>(
    body: ureq::Body,
    limit: u64,
    reader: &mut BodyReader<S>,
) -> Result<(), Error> {
    let mut source = body.into_with_config().limit(limit).reader();
    let mut buffer = vec![0u8; READ_CHUNK];
    loop {
        match read_retrying_interrupts(&mut source, &mut buffer)? {
            0 => return Ok(()),
            n => reader.feed(&buffer[..n])?,
        }
    }
}

/// Reads at most [`MAX_ERROR_BODY_BYTES`] of an error response's body (the error envelope
/// is a few KiB; a 20 MB HTML page from a proxy is not read to the end) and drops the rest
/// with the connection.
pub(crate) fn read_error_body(body: ureq::Body) -> Result<Vec<u8>, Error> {
    let mut reader = io::Read::take(body.into_reader(), MAX_ERROR_BODY_BYTES as u64);
    let mut out = Vec::new();
    io::Read::read_to_end(&mut reader, &mut out).map_err(map_io)?;
    Ok(out)
}

/// Maps an IO error from a body reader (ureq wraps its own errors inside).
pub(crate) fn map_io(err: io::Error) -> Error {
    map_ureq(ureq::Error::from(err))
}

/// Maps a ureq error onto the core's transport failures.
pub(crate) fn map_ureq(err: ureq::Error) -> Error {
    use ureq::Error as U;
    let (failure, message) = match &err {
        U::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => (
            TransportFailure::ConnectTimeout,
            "could not connect within the connect timeout; the host may be wrong or unreachable"
                .to_string(),
        ),
        U::Timeout(which) => (
            TransportFailure::Timeout,
            format!(
                "the request timed out ({which} timeout); image calls take 8-35 s and 4K longer"
            ),
        ),
        U::BodyExceedsLimit(limit) => (
            TransportFailure::ResponseTooLarge,
            format!("the response body is larger than the client's limit of {limit} bytes"),
        ),
        U::Io(io)
            if matches!(
                io.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            (
                TransportFailure::Timeout,
                format!("the connection timed out: {io}"),
            )
        }
        U::Io(io) => (
            TransportFailure::Network,
            format!("the connection failed: {io}"),
        ),
        U::HostNotFound => (
            TransportFailure::Network,
            "the host name could not be resolved".to_string(),
        ),
        U::ConnectionFailed => (
            TransportFailure::Network,
            "the connection could not be established".to_string(),
        ),
        other => (
            TransportFailure::Network,
            format!("HTTP transport error: {other}"),
        ),
    };
    // ureq's messages can quote a URL (a proxy's, with its credentials): mask them.
    Error::transport(failure, scrub_secrets(&message))
}
