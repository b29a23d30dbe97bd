//! Configuration precedence: flags > environment > defaults. The environment is read by the
//! client's [`EnvConfig`] (one rule for every front door); this adds the flags on top.

use std::time::Duration;

use gemini_image::{ENV_API_KEYS, EnvConfig, GATEWAY_BASE_URL, Source};

use crate::args::ConnArgs;
use crate::errors::CliError;

/// The settings a command runs with, and where each came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The key, if any.
    pub api_key: Option<String>,
    /// Where the key came from (`--api-key` or the variable's name).
    pub key_source: Option<&'static str>,
    /// The base URL (`None` with `--emulator`: the emulator's URL is used).
    pub base_url: Option<String>,
    /// The model.
    pub model: String,
    /// `--timeout`, if given.
    pub timeout: Option<Duration>,
    /// `--retries`, if given.
    pub retries: Option<u32>,
    /// `--emulator`.
    pub emulator: bool,
}

/// Resolves the settings from the flags and the environment's configuration. A key from
/// `--api-key` goes to the gateway unless a base URL is given (flag or
/// `GEMINI_IMAGE_BASE_URL`); a key from `GEMINI_API_KEY`/`GOOGLE_API_KEY` goes to Google's
/// API unless one is given (see [`EnvConfig`]).
pub fn resolve(conn: &ConnArgs, env: &EnvConfig) -> Settings {
    let flag_key = conn
        .api_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let (api_key, key_source) = match flag_key {
        Some(key) => (Some(key.to_string()), Some("--api-key")),
        None => (env.api_key().map(str::to_string), env.api_key_source),
    };
    let base_url = if conn.emulator {
        None
    } else {
        Some(match conn.base_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => url.to_string(),
            _ if flag_key.is_some() && matches!(env.base_url_source, Source::DefaultForKey(_)) => {
                GATEWAY_BASE_URL.to_string()
            }
            _ => env.base_url.clone(),
        })
    };
    let model = conn
        .model
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map_or_else(|| env.model.clone(), str::to_string);
    Settings {
        api_key,
        key_source,
        base_url,
        model,
        timeout: conn.timeout,
        retries: conn.retries,
        emulator: conn.emulator,
    }
}

impl Settings {
    /// The key, or the usage error that says how to provide one.
    pub fn require_key(&self) -> Result<&str, CliError> {
        self.api_key.as_deref().ok_or_else(|| {
            CliError::usage(
                format!(
                    "no API key: none of --api-key, {} is set",
                    ENV_API_KEYS.join(", ")
                ),
                Some(
                    "export THUCCHIEN_API_KEY=<your gateway key> (or GEMINI_API_KEY for Google's API), or add --emulator to try offline"
                        .to_string(),
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gemini_image::{ENV_BASE_URL, ENV_GEMINI_API_KEY, ENV_MODEL, ENV_THUCCHIEN_API_KEY};

    fn env_of(pairs: &[(&str, &str)]) -> EnvConfig {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        EnvConfig::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn flags_beat_env_beat_defaults() {
        let none = ConnArgs::default();
        let s = resolve(&none, &env_of(&[]));
        assert_eq!(s.api_key, None);
        assert_eq!(s.base_url.as_deref(), Some(GATEWAY_BASE_URL));
        assert_eq!(s.model, gemini_image::DEFAULT_MODEL);
        assert_eq!(s.require_key().unwrap_err().code, 2);

        let env = env_of(&[
            (ENV_GEMINI_API_KEY, "g-key"),
            (ENV_THUCCHIEN_API_KEY, ""),
            (ENV_BASE_URL, "http://env"),
            (ENV_MODEL, "env-model"),
        ]);
        let s = resolve(&none, &env);
        assert_eq!(s.api_key.as_deref(), Some("g-key"));
        assert_eq!(s.key_source, Some(ENV_GEMINI_API_KEY));
        assert_eq!(s.base_url.as_deref(), Some("http://env"));
        assert_eq!(s.model, "env-model");

        // A Google key without a base URL goes to Google; a flag key to the gateway.
        let google = env_of(&[(ENV_GEMINI_API_KEY, "g-key")]);
        assert_eq!(
            resolve(&none, &google).base_url.as_deref(),
            Some(gemini_image::GOOGLE_BASE_URL)
        );
        let flag_key = ConnArgs {
            api_key: Some("flag-key".into()),
            ..ConnArgs::default()
        };
        assert_eq!(
            resolve(&flag_key, &google).base_url.as_deref(),
            Some(GATEWAY_BASE_URL)
        );

        let env = env_of(&[
            (ENV_GEMINI_API_KEY, "g-key"),
            (ENV_THUCCHIEN_API_KEY, "tc-key"),
        ]);
        assert_eq!(resolve(&none, &env).api_key.as_deref(), Some("tc-key"));

        let flags = ConnArgs {
            model: Some("flag-model".into()),
            base_url: Some("http://flag".into()),
            api_key: Some("flag-key".into()),
            timeout: Some(Duration::from_millis(1500)),
            retries: Some(0),
            emulator: false,
        };
        let s = resolve(&flags, &env);
        assert_eq!(s.api_key.as_deref(), Some("flag-key"));
        assert_eq!(s.key_source, Some("--api-key"));
        assert_eq!(s.base_url.as_deref(), Some("http://flag"));
        assert_eq!(s.model, "flag-model");
        assert_eq!(s.timeout, Some(Duration::from_millis(1500)));

        let emu = ConnArgs {
            emulator: true,
            ..ConnArgs::default()
        };
        assert_eq!(resolve(&emu, &env).base_url, None);
    }
}
