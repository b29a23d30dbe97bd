//! Removing the API key from every string an error carries. The key can come back from a
//! server (echoed in a message, a detail, a refusal text) or from a transport message; the
//! front doors call [`Error::redact`](crate::Error::redact) on every error before the
//! caller sees it, and this module walks all of its strings.

use serde_json::Value;

/// What a key is replaced with.
pub(crate) const MASK: &str = "***";

/// Keys shorter than this are not real keys (gateway and Google keys are 20+ characters):
/// they are masked only where they stand alone, so that a test key like `"a"` does not
/// turn every `a` of a message into `***`.
const MIN_ANYWHERE_LEN: usize = 8;

/// Replaces one secret in strings.
pub(crate) struct Redactor<'a> {
    secret: &'a str,
}

impl<'a> Redactor<'a> {
    /// `None` for an empty secret (nothing to hide).
    pub(crate) fn new(secret: &'a str) -> Option<Self> {
        (!secret.is_empty()).then_some(Redactor { secret })
    }

    /// Masks the secret in `text`, in place; untouched when absent (no allocation).
    pub(crate) fn text(&self, text: &mut String) {
        if !text.contains(self.secret) {
            return;
        }
        *text = if self.secret.len() >= MIN_ANYWHERE_LEN {
            text.replace(self.secret, MASK)
        } else {
            self.replace_standalone(text)
        };
    }

    /// Masks the secret in an optional string.
    pub(crate) fn opt(&self, text: &mut Option<String>) {
        if let Some(text) = text {
            self.text(text);
        }
    }

    /// Masks the secret in every string of a JSON value (keys of objects included).
    pub(crate) fn json(&self, value: &mut Value) {
        match value {
            Value::String(text) => self.text(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.json(item)),
            Value::Object(map) => {
                if map.keys().any(|key| key.contains(self.secret)) {
                    let entries = std::mem::take(map);
                    for (mut key, mut item) in entries {
                        self.text(&mut key);
                        self.json(&mut item);
                        map.insert(key, item);
                    }
                } else {
                    map.values_mut().for_each(|item| self.json(item));
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Short secrets: only occurrences not glued to a letter or digit on either side.
    fn replace_standalone(&self, text: &str) -> String {
        let glued = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find(self.secret) {
            let end = at + self.secret.len();
            let before = rest[..at].chars().next_back();
            let after = rest[end..].chars().next();
            out.push_str(&rest[..at]);
            out.push_str(if glued(before) || glued(after) {
                self.secret
            } else {
                MASK
            });
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(secret: &str, text: &str) -> String {
        let mut text = text.to_string();
        if let Some(redactor) = Redactor::new(secret) {
            redactor.text(&mut text);
        }
        text
    }

    #[test]
    fn long_keys_are_masked_anywhere() {
        assert_eq!(
            redacted(
                "sk-live-1234",
                "bad key sk-live-1234, x=sk-live-1234sk-live-1234"
            ),
            "bad key ***, x=******"
        );
    }

    #[test]
    fn short_keys_are_masked_only_where_they_stand_alone() {
        // A one-letter key must not turn the message into "fo*** b***r".
        assert_eq!(
            redacted("a", "a bad key: a (header x-goog-api-key=a)"),
            "*** bad key: *** (header x-goog-api-key=***)"
        );
        assert_eq!(redacted("abc", "abcd cab abc."), "abcd cab ***.");
        assert_eq!(redacted("", "anything"), "anything");
    }

    #[test]
    fn json_strings_and_keys_are_masked() {
        let secret = "sk-secret-999";
        let mut value = serde_json::json!({
            "message": "key sk-secret-999 refused",
            "list": ["sk-secret-999", 3, null, {"sk-secret-999": "x"}],
        });
        if let Some(redactor) = Redactor::new(secret) {
            redactor.json(&mut value);
        }
        assert!(!value.to_string().contains(secret), "{value}");
        assert_eq!(value["list"][3]["***"], "x");
    }
}
