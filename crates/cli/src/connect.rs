//! Building the client from the settings, with an in-process emulator for `--emulator`.

use gemini_image::{Client, DEFAULT_TIMEOUT, RetryPolicy};
use gemini_image_emulator::{Emulator, EmulatorConfig};

use crate::config::Settings;
use crate::errors::{CliError, HintContext};
use crate::redact::register_secret;

/// The key sent to the in-process emulator when none was given on the command line.
const EMULATOR_KEY: &str = "emulator-key";

/// A client and, with `--emulator`, the emulator it talks to (kept alive with it).
pub struct Connection {
    /// The client.
    pub client: Client,
    /// What the user controls, for advice in messages.
    pub hints: HintContext,
    _emulator: Option<Emulator>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// Connects per `settings`: checks the key (unless `--emulator`), starts the emulator when
/// asked, and builds the client.
pub fn connect(settings: &Settings, batch: bool) -> Result<Connection, CliError> {
    if let Some(key) = &settings.api_key {
        register_secret(key);
    }
    let (emulator, base_url, key, key_source) = if settings.emulator {
        let emulator = Emulator::start(EmulatorConfig::default()).map_err(|err| {
            CliError::other(format!("cannot start the in-process emulator: {err}"))
        })?;
        let url = emulator.gateway_url();
        // Only a key given on the command line goes to the emulator; an environment key
        // (a real one, likely) stays home.
        let (key, source) = match settings.key_source {
            Some("--api-key") => (
                settings.api_key.clone().unwrap_or_default(),
                Some("--api-key"),
            ),
            _ => (EMULATOR_KEY.to_string(), None),
        };
        (Some(emulator), url, key, source)
    } else {
        let key = settings.require_key()?.to_string();
        let url = settings.base_url.clone().unwrap_or_default();
        (None, url, key, settings.key_source)
    };
    let timeout = settings.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let policy = match settings.retries {
        Some(retries) => RetryPolicy::with_max_attempts(retries.saturating_add(1)),
        None => RetryPolicy::default(),
    };
    let builder = Client::builder()
        .api_key(key)
        .base_url(base_url.clone())
        .default_model(settings.model.clone())
        .timeout(timeout)
        .retry_policy(policy)
        .user_agent(concat!("gemini-image-cli/", env!("CARGO_PKG_VERSION")));
    let hints = HintContext {
        base_url: base_url.clone(),
        key_source,
        timeout: Some(timeout),
        attempts: None,
        batch,
    };
    let client = builder
        .build()
        .map_err(|err| CliError::from_sdk(&err, &hints))?;
    Ok(Connection {
        client,
        hints,
        _emulator: emulator,
    })
}
