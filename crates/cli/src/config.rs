//! Configuration precedence: flags > environment > defaults.

use std::time::Duration;

use crate::args::ConnArgs;
use crate::errors::CliError;

/// The gateway's base URL, the default.
pub const DEFAULT_BASE_URL: &str = gemini_image_core::GATEWAY_BASE_URL;

/// Environment variable names.
pub const ENV_THUCCHIEN_KEY: &str = "THUCCHIEN_API_KEY";
/// Google-style key variable, used when `THUCCHIEN_API_KEY` is unset.
pub const ENV_GEMINI_KEY: &str = "GEMINI_API_KEY";
/// Base URL variable.
pub const ENV_BASE_URL: &str = "GEMINI_IMAGE_BASE_URL";
/// Model variable.
pub const ENV_MODEL: &str = "GEMINI_IMAGE_MODEL";

/// The settings a command runs with, and where each came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The key, if any.
    pub api_key: Option<String>,
    /// Where the key came from.
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

/// Resolves the settings from the flags and an environment lookup (empty values count as
/// unset). `default_model` is the client's default.
pub fn resolve(
    conn: &ConnArgs,
    env: &dyn Fn(&str) -> Option<String>,
    default_model: &str,
) -> Settings {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let (api_key, key_source) = match conn.api_key.clone().filter(|k| !k.trim().is_empty()) {
        Some(key) => (Some(key), Some("--api-key")),
        None => match env(ENV_THUCCHIEN_KEY) {
            Some(key) => (Some(key), Some(ENV_THUCCHIEN_KEY)),
            None => match env(ENV_GEMINI_KEY) {
                Some(key) => (Some(key), Some(ENV_GEMINI_KEY)),
                None => (None, None),
            },
        },
    };
    let base_url = if conn.emulator {
        None
    } else {
        Some(
            conn.base_url
                .clone()
                .or_else(|| env(ENV_BASE_URL))
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_string()),
        )
    };
    let model = conn
        .model
        .clone()
        .filter(|m| !m.trim().is_empty())
        .or_else(|| env(ENV_MODEL))
        .unwrap_or_else(|| default_model.to_string());
    Settings {
        api_key: api_key.map(|k| k.trim().to_string()),
        key_source,
        base_url,
        model: model.trim().to_string(),
        timeout: conn.timeout.map(Duration::from_secs_f64),
        retries: conn.retries,
        emulator: conn.emulator,
    }
}

impl Settings {
    /// The key, or the usage error that says how to provide one.
    pub fn require_key(&self) -> Result<&str, CliError> {
        self.api_key.as_deref().ok_or_else(|| {
            CliError::usage(
                "no API key: none of --api-key, THUCCHIEN_API_KEY or GEMINI_API_KEY is set",
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

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn flags_beat_env_beat_defaults() {
        let none = ConnArgs::default();
        let s = resolve(&none, &env_of(&[]), "dm");
        assert_eq!(s.api_key, None);
        assert_eq!(s.base_url.as_deref(), Some(DEFAULT_BASE_URL));
        assert_eq!(s.model, "dm");
        assert_eq!(s.require_key().unwrap_err().code, 2);

        let env = env_of(&[
            (ENV_GEMINI_KEY, "g-key"),
            (ENV_THUCCHIEN_KEY, ""),
            (ENV_BASE_URL, "http://env"),
            (ENV_MODEL, "env-model"),
        ]);
        let s = resolve(&none, &env, "dm");
        assert_eq!(s.api_key.as_deref(), Some("g-key"));
        assert_eq!(s.key_source, Some(ENV_GEMINI_KEY));
        assert_eq!(s.base_url.as_deref(), Some("http://env"));
        assert_eq!(s.model, "env-model");

        let env = env_of(&[(ENV_GEMINI_KEY, "g-key"), (ENV_THUCCHIEN_KEY, "tc-key")]);
        assert_eq!(
            resolve(&none, &env, "dm").api_key.as_deref(),
            Some("tc-key")
        );

        let flags = ConnArgs {
            model: Some("flag-model".into()),
            base_url: Some("http://flag".into()),
            api_key: Some("flag-key".into()),
            timeout: Some(1.5),
            retries: Some(0),
            emulator: false,
        };
        let s = resolve(&flags, &env, "dm");
        assert_eq!(s.api_key.as_deref(), Some("flag-key"));
        assert_eq!(s.key_source, Some("--api-key"));
        assert_eq!(s.base_url.as_deref(), Some("http://flag"));
        assert_eq!(s.model, "flag-model");
        assert_eq!(s.timeout, Some(Duration::from_millis(1500)));

        let emu = ConnArgs {
            emulator: true,
            ..ConnArgs::default()
        };
        assert_eq!(resolve(&emu, &env, "dm").base_url, None);
    }
}
