//! Multi-turn editing state. Pure: it builds requests and records responses; sending them
//! is the caller's job. It saves to and restores from one versioned JSON document.

use serde_json::{Map, Value};

use crate::content::{Content, Part, PartData};
use crate::error::Error;
use crate::request::GenerateRequest;
use crate::request_options::RequestOptions;
use crate::response::GenerateResponse;

/// The version [`Conversation::to_json`] writes. Version 0 is the unversioned
/// `{model, history, keep_last_images}` file of release 0.1, still read.
pub const CONVERSATION_FORMAT_VERSION: u64 = 1;

/// A conversation with an image model. Each turn's request carries the whole history: user
/// turns verbatim, model turns as returned minus thought parts, with every
/// `thoughtSignature` intact (Gemini 3 models reject a history without them).
///
/// Flow: [`Conversation::begin_turn`] gives the request to send; then either
/// [`Conversation::complete_turn`] with the response (which appends both turns when it
/// carries an image) or [`Conversation::abort_turn`]. A failed turn leaves no trace.
///
/// A conversation stays with one model (thought signatures belong to it); its options
/// ([`RequestOptions`]: aspect ratio, size, system instruction, safety, thinking…) apply to
/// every turn and can be changed between turns with [`Conversation::set_options`].
///
/// ```
/// use gemini_image_core::{Conversation, Part, RequestOptions};
/// let options = RequestOptions::from_value(&serde_json::json!({"aspect_ratio": "16:9"}))?;
/// let mut chat = Conversation::new("gemini-3-pro-image-preview", options);
/// let request = chat.begin_turn(vec![Part::text("a cabin in the snow")]);
/// assert_eq!(request.config.aspect_ratio.as_ref().map(|r| r.as_str()), Some("16:9"));
/// chat.abort_turn();
/// let saved = chat.to_json();
/// let restored = Conversation::from_json(saved.as_bytes(), None)?;
/// assert_eq!(restored.options(), chat.options());
/// # Ok::<(), gemini_image_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    /// The options of every turn (without `model`, which is in `request`).
    options: RequestOptions,
    /// The request being built: model, the options applied, the history, and while a turn
    /// is pending its user turn. Kept whole so that no turn copies the history.
    request: GenerateRequest,
    committed_turns: usize,
    keep_last_images: Option<usize>,
}

impl Conversation {
    /// A new, empty conversation with `model`; `options` apply to every turn (an
    /// `options.model` is ignored: the model is `model`).
    pub fn new(model: impl Into<String>, options: RequestOptions) -> Self {
        let model = model.into();
        let mut conversation = Conversation {
            options: RequestOptions::default(),
            request: GenerateRequest::new(model),
            committed_turns: 0,
            keep_last_images: None,
        };
        conversation.set_options(options);
        conversation
    }

    /// Keeps only the newest `n` model images in each request (`None`: all). Image parts
    /// that carry a `thoughtSignature` are never dropped: Gemini 3 checks them.
    #[must_use]
    pub fn with_keep_last_images(mut self, n: Option<usize>) -> Self {
        self.keep_last_images = n;
        self
    }

    /// The trimming setting.
    pub fn keep_last_images(&self) -> Option<usize> {
        self.keep_last_images
    }

    /// The model every turn goes to.
    pub fn model(&self) -> &str {
        &self.request.model
    }

    /// The options of every turn.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// Replaces the options of the following turns (the history stays). A `model` in them is
    /// ignored: a conversation stays with one model.
    pub fn set_options(&mut self, options: RequestOptions) {
        let options = RequestOptions {
            model: None,
            ..options
        };
        self.apply_template(&options);
        self.options = options;
    }

    /// Rebuilds every field of the request but the model and the contents from `options`.
    fn apply_template(&mut self, options: &RequestOptions) {
        let template = GenerateRequest::new(self.request.model.clone()).with_options(options);
        self.request.system_instruction = template.system_instruction;
        self.request.safety_settings = template.safety_settings;
        self.request.config = template.config;
        self.request.extra = template.extra;
    }

    /// The committed turns (user and model, alternating).
    pub fn history(&self) -> &[Content] {
        &self.request.contents[..self.committed_turns]
    }

    /// How many exchanges (a user turn and the model's answer) are committed.
    pub fn turn_count(&self) -> usize {
        self.committed_turns / 2
    }

    /// Starts a turn: appends a user turn made of `parts` (after dropping any pending one)
    /// and returns the request to send, history included.
    pub fn begin_turn(&mut self, parts: Vec<Part>) -> &GenerateRequest {
        self.abort_turn();
        self.start_turn(parts)
    }

    fn start_turn(&mut self, parts: Vec<Part>) -> &GenerateRequest {
        self.trim_images();
        self.request.contents.push(Content::user(parts));
        &self.request
    }

    /// [`Conversation::begin_turn`] with options for this turn only, over the
    /// conversation's. A `model` other than the conversation's is an `invalid_request` on
    /// `model`.
    pub fn begin_turn_with(
        &mut self,
        parts: Vec<Part>,
        overrides: &RequestOptions,
    ) -> Result<&GenerateRequest, Error> {
        if let Some(model) = overrides.model.as_deref() {
            check_same_model(self.model(), model)?;
        }
        self.abort_turn();
        if !overrides.is_empty() {
            let merged = self.options.merged_with(overrides);
            self.apply_template(&merged);
        }
        Ok(self.start_turn(parts))
    }

    /// The request of the pending turn, if one was begun and not completed or aborted.
    pub fn pending_request(&self) -> Option<&GenerateRequest> {
        (self.request.contents.len() > self.committed_turns).then_some(&self.request)
    }

    /// Records the response to the pending turn. With a final image, the user turn and the
    /// model turn (thoughts dropped, signatures kept) join the history and the response is
    /// returned; without one, the turn is dropped and the error is `no_image`.
    pub fn complete_turn(&mut self, response: GenerateResponse) -> Result<GenerateResponse, Error> {
        if self.pending_request().is_none() {
            return Err(Error::invalid(
                "conversation",
                "no turn is pending; begin a turn first",
            ));
        }
        match response.require_image() {
            Ok(response) => {
                self.request.contents.truncate(self.committed_turns + 1);
                self.request.contents.push(response.model_turn());
                self.committed_turns += 2;
                self.restore_options();
                Ok(response)
            }
            Err(error) => {
                self.abort_turn();
                Err(error)
            }
        }
    }

    /// Drops the pending turn, if any (after an HTTP error, or to rephrase).
    pub fn abort_turn(&mut self) {
        self.request.contents.truncate(self.committed_turns);
        self.restore_options();
    }

    /// Undoes a turn's option overrides.
    fn restore_options(&mut self) {
        let options = std::mem::take(&mut self.options);
        self.apply_template(&options);
        self.options = options;
    }

    /// Drops model images beyond the newest `keep_last_images` from the history sent, never
    /// one that carries a thought signature.
    fn trim_images(&mut self) {
        let Some(keep) = self.keep_last_images else {
            return;
        };
        let mut seen = 0usize;
        for content in self.request.contents.iter_mut().rev() {
            if !content.is_model() {
                continue;
            }
            let mut kept = Vec::with_capacity(content.parts.len());
            for part in content.parts.drain(..).rev() {
                if matches!(part.data, PartData::InlineData(_)) {
                    seen += 1;
                    if seen > keep && part.thought_signature.is_none() {
                        continue;
                    }
                }
                kept.push(part);
            }
            kept.reverse();
            content.parts = kept;
        }
    }

    /// The conversation as one JSON document (camelCase keys throughout):
    /// `{"version": 1, "model", "options": {...}, "keepLastImages", "history": [...]}` where
    /// `options` holds the [`RequestOptions`] and `history` the committed turns as Gemini
    /// `Content` objects (images base64, thought signatures kept). A pending turn is not
    /// saved.
    pub fn to_json(&self) -> String {
        let mut doc = Map::new();
        doc.insert("version".into(), Value::from(CONVERSATION_FORMAT_VERSION));
        doc.insert("model".into(), Value::from(self.model()));
        doc.insert("options".into(), camel_keys(self.options.to_value()));
        doc.insert(
            "keepLastImages".into(),
            self.keep_last_images.map_or(Value::Null, Value::from),
        );
        let history = serde_json::to_value(self.history()).unwrap_or(Value::Array(Vec::new()));
        doc.insert("history".into(), history);
        Value::Object(doc).to_string()
    }

    /// Restores a conversation saved by [`Conversation::to_json`] (or a 0.1 session file).
    /// With `model` given, it must be the saved conversation's model: a conversation stays
    /// with one model (`invalid_request` on `model` otherwise).
    pub fn from_json(json: &[u8], model: Option<&str>) -> Result<Conversation, Error> {
        let bad = |message: String| Error::invalid("conversation", message);
        let doc: Value = serde_json::from_slice(json).map_err(|err| {
            bad(format!(
                "is not a saved gemini-image conversation (invalid JSON: {err}); start a new one"
            ))
        })?;
        let Some(doc) = doc.as_object() else {
            return Err(bad(
                "is not a saved gemini-image conversation (not a JSON object)".into(),
            ));
        };
        let version = match doc.get("version") {
            None => 0,
            Some(value) => value
                .as_u64()
                .ok_or_else(|| bad("has a version that is not a whole number".to_string()))?,
        };
        if version > CONVERSATION_FORMAT_VERSION {
            return Err(bad(format!(
                "was saved by a newer gemini-image (format version {version}; this one reads up to {CONVERSATION_FORMAT_VERSION}); upgrade gemini-image"
            )));
        }
        let saved_model = doc
            .get("model")
            .and_then(Value::as_str)
            .filter(|m| !m.trim().is_empty())
            .ok_or_else(|| bad("has no model".to_string()))?;
        if let Some(model) = model {
            check_same_model(saved_model, model)?;
        }
        let options = match doc.get("options") {
            Some(value) => RequestOptions::from_value(value)?,
            None => RequestOptions::default(),
        };
        let keep_key = if version == 0 {
            "keep_last_images"
        } else {
            "keepLastImages"
        };
        let keep_last_images = match doc.get(keep_key) {
            None | Some(Value::Null) => None,
            Some(value) => Some(
                value
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| bad(format!("has a {keep_key} that is not a count")))?,
            ),
        };
        let history: Vec<Content> = match doc.get("history") {
            None => Vec::new(),
            Some(value) => serde_json::from_value(value.clone())
                .map_err(|err| bad(format!("has an unreadable history: {err}")))?,
        };
        let mut conversation =
            Conversation::new(saved_model, options).with_keep_last_images(keep_last_images);
        conversation.committed_turns = history.len();
        conversation.request.contents = history;
        Ok(conversation)
    }
}

/// The rule that a conversation stays with one model.
fn check_same_model(conversation_model: &str, asked: &str) -> Result<(), Error> {
    let strip = |m: &str| m.trim().trim_start_matches("models/").to_string();
    if strip(conversation_model) == strip(asked) {
        return Ok(());
    }
    Err(Error::invalid(
        "model",
        format!(
            "{asked} is not this conversation's model ({conversation_model}); a conversation stays with one model (its thought signatures belong to it): start a new conversation to change models"
        ),
    ))
}

/// `aspect_ratio` -> `aspectRatio` in the keys of `value` and its nested objects, except
/// inside `extra` (raw wire JSON, kept as given).
fn camel_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    let value = if key == "extra" {
                        value
                    } else {
                        camel_keys(value)
                    };
                    (crate::casing::camel_case(&key), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camel_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::parse_response;

    fn answer(sig: &str) -> GenerateResponse {
        let body = format!(
            r#"{{"candidates":[{{"content":{{"role":"model","parts":[{{"text":"t","thought":true}},{{"text":"ok","thoughtSignature":"{sig}a"}},{{"inlineData":{{"mimeType":"image/jpeg","data":"AAEC"}}}}]}},"finishReason":"STOP"}}]}}"#
        );
        parse_response(200, &[], body.as_bytes()).unwrap()
    }

    fn signed_answer(sig: &str) -> GenerateResponse {
        let body = format!(
            r#"{{"candidates":[{{"content":{{"role":"model","parts":[{{"inlineData":{{"mimeType":"image/jpeg","data":"AAEC"}},"thoughtSignature":"{sig}"}}]}},"finishReason":"STOP"}}]}}"#
        );
        parse_response(200, &[], body.as_bytes()).unwrap()
    }

    fn options(value: Value) -> RequestOptions {
        RequestOptions::from_value(&value).unwrap()
    }

    #[test]
    fn three_turns_with_failure_and_trim() {
        let mut conv = Conversation::new("gemini-2.5-flash-image", RequestOptions::default())
            .with_keep_last_images(Some(1));
        conv.begin_turn(vec![Part::text("a cabin")]);
        conv.complete_turn(answer("s1")).unwrap();
        conv.begin_turn(vec![Part::text("unsafe")]);
        let refused = parse_response(
            200,
            &[],
            br#"{"candidates":[{"content":{},"finishReason":"IMAGE_SAFETY"}]}"#,
        )
        .unwrap();
        assert_eq!(
            conv.complete_turn(refused).unwrap_err().kind().as_str(),
            "no_image"
        );
        assert_eq!(conv.history().len(), 2);
        conv.begin_turn(vec![Part::text("daytime")]);
        conv.complete_turn(answer("s2")).unwrap();
        assert_eq!(conv.turn_count(), 2);
        let request = conv.begin_turn(vec![Part::text("add a sled")]).clone();
        assert_eq!(request.contents.len(), 5);
        // Thoughts dropped, signatures kept, only the newest unsigned model image kept.
        assert_eq!(request.contents[1].parts.len(), 1);
        assert_eq!(
            request.contents[1].parts[0].thought_signature.as_deref(),
            Some("s1a")
        );
        assert_eq!(request.contents[3].parts.len(), 2);
    }

    #[test]
    fn trimming_keeps_signed_images() {
        let mut conv = Conversation::new("gemini-3-pro-image-preview", RequestOptions::default())
            .with_keep_last_images(Some(0));
        conv.begin_turn(vec![Part::text("a cabin")]);
        conv.complete_turn(signed_answer("sig1")).unwrap();
        let request = conv.begin_turn(vec![Part::text("at night")]);
        assert_eq!(request.contents[1].parts.len(), 1);
        assert_eq!(
            request.contents[1].parts[0].thought_signature.as_deref(),
            Some("sig1")
        );
    }

    #[test]
    fn options_per_turn_and_between_turns() {
        let mut conv = Conversation::new(
            "gemini-3-pro-image-preview",
            options(serde_json::json!({"aspect_ratio": "16:9", "model": "ignored"})),
        );
        assert_eq!(conv.model(), "gemini-3-pro-image-preview");
        let request = conv
            .begin_turn_with(
                vec![Part::text("x")],
                &options(serde_json::json!({"imageSize": "2K"})),
            )
            .unwrap();
        assert_eq!(
            request.config.image_size.as_ref().map(|s| s.as_str()),
            Some("2K")
        );
        assert_eq!(
            request.config.aspect_ratio.as_ref().map(|r| r.as_str()),
            Some("16:9")
        );
        conv.abort_turn();
        assert_eq!(conv.request.config.image_size, None);
        let err = conv
            .begin_turn_with(
                vec![Part::text("x")],
                &options(serde_json::json!({"model": "gemini-2.5-flash-image"})),
            )
            .unwrap_err();
        assert_eq!(err.field(), Some("model"));
        conv.set_options(options(serde_json::json!({"aspect_ratio": "1:1"})));
        let request = conv.begin_turn(vec![Part::text("y")]);
        assert_eq!(
            request.config.aspect_ratio.as_ref().map(|r| r.as_str()),
            Some("1:1")
        );
    }

    #[test]
    fn json_round_trip_and_legacy_and_model_rule() {
        let mut conv = Conversation::new(
            "gemini-3-pro-image-preview",
            options(serde_json::json!({
                "aspect_ratio": "16:9", "system_instruction": "be nice",
                "thinking": {"include_thoughts": true}, "extra": {"tool_config": {"a_b": 1}}
            })),
        )
        .with_keep_last_images(Some(3));
        conv.begin_turn(vec![Part::text("a cabin")]);
        conv.complete_turn(signed_answer("sig1")).unwrap();
        let json = conv.to_json();
        assert!(json.contains(r#""aspectRatio":"16:9""#), "{json}");
        assert!(json.contains(r#""a_b":1"#), "extra stays verbatim: {json}");
        assert!(json.contains(r#""thoughtSignature":"sig1""#));
        let back = Conversation::from_json(json.as_bytes(), None).unwrap();
        assert_eq!(back, conv);
        let back =
            Conversation::from_json(json.as_bytes(), Some("models/gemini-3-pro-image-preview"));
        assert!(back.is_ok());
        let err =
            Conversation::from_json(json.as_bytes(), Some("gemini-2.5-flash-image")).unwrap_err();
        assert_eq!(err.field(), Some("model"));

        let legacy = r#"{"model":"gemini-2.5-flash-image","history":[],"keep_last_images":2}"#;
        let old = Conversation::from_json(legacy.as_bytes(), None).unwrap();
        assert_eq!(old.keep_last_images(), Some(2));
        assert_eq!(old.model(), "gemini-2.5-flash-image");

        for bad in [
            &b"{not json"[..],
            b"[1]",
            br#"{"version":9,"model":"m"}"#,
            br#"{"version":1}"#,
        ] {
            assert_eq!(
                Conversation::from_json(bad, None).unwrap_err().field(),
                Some("conversation")
            );
        }
    }
}
