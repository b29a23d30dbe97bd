//! The API key never appears in any output: every line the CLI prints passes through
//! [`redact`], which masks the registered secrets (and, via the core, key-like tokens).

use std::sync::{Mutex, PoisonError};

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Registers a secret to mask in everything printed from now on.
pub fn register_secret(secret: &str) {
    let secret = secret.trim();
    // Very short "keys" would mask ordinary words; they are not real keys anyway.
    if secret.len() < 4 {
        return;
    }
    let mut secrets = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    if !secrets.iter().any(|s| s == secret) {
        secrets.push(secret.to_string());
    }
}

/// `text` with every registered secret replaced by `***`.
pub fn redact(text: &str) -> String {
    let secrets = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out = text.to_string();
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_registered_secrets() {
        register_secret("tc-SECRET-1234");
        register_secret("ab");
        assert_eq!(
            redact("key tc-SECRET-1234 was bad; ab"),
            "key *** was bad; ab"
        );
    }
}
