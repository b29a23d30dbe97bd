//! Multi-turn editing state. Pure: it builds requests and records responses; sending them
//! is the caller's job.

use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Serialize};

use crate::content::{Content, Part, PartData};
use crate::error::Error;
use crate::request::GenerateRequest;
use crate::response::GenerateResponse;

/// A conversation with an image model. Each turn's request carries the whole history: user
/// turns verbatim, model turns as returned minus thought parts, with every
/// `thoughtSignature` intact (Gemini 3 models reject a history without them).
///
/// Flow: [`Conversation::begin_turn`] gives the request to send; then either
/// [`Conversation::complete_turn`] with the response (which appends both turns when it
/// carries an image) or [`Conversation::abort_turn`]. A failed turn leaves no trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    request: GenerateRequest,
    committed_turns: usize,
    keep_last_images: Option<usize>,
}

impl Conversation {
    /// A new conversation whose every request uses `template`'s model and options. Any
    /// contents in the template become the starting history.
    pub fn new(template: GenerateRequest) -> Self {
        let committed_turns = template.contents.len();
        Conversation {
            request: template,
            committed_turns,
            keep_last_images: None,
        }
    }

    /// Keeps only the newest `n` model images in the history sent (older model image parts
    /// are dropped, their text kept), bounding payload growth. `None` keeps everything.
    pub fn with_keep_last_images(mut self, n: Option<usize>) -> Self {
        self.keep_last_images = n;
        self
    }

    /// The model.
    pub fn model(&self) -> &str {
        &self.request.model
    }

    /// The committed history.
    pub fn history(&self) -> &[Content] {
        &self.request.contents[..self.committed_turns]
    }

    /// The options every turn is sent with (change aspect ratio or size between turns).
    /// The history is out of reach while the guard lives: contents set through it are
    /// discarded, so the conversation cannot be corrupted this way.
    pub fn options_mut(&mut self) -> OptionsMut<'_> {
        let history = std::mem::take(&mut self.request.contents);
        OptionsMut {
            conversation: self,
            history,
        }
    }

    /// Starts a turn with the user's parts (prompt, images) and returns the request to send.
    /// A turn still pending is aborted first.
    pub fn begin_turn(&mut self, parts: Vec<Part>) -> &GenerateRequest {
        self.abort_turn();
        self.trim_images();
        self.request.contents.push(Content::user(parts));
        &self.request
    }

    /// The request of the pending turn, if one is pending.
    pub fn pending_request(&self) -> Option<&GenerateRequest> {
        (self.request.contents.len() > self.committed_turns).then_some(&self.request)
    }

    /// Records the model's answer. With a final image, the user turn and the model turn
    /// (thoughts dropped, signatures kept) join the history; without one, the turn is
    /// dropped and [`Error::NoImage`] returned.
    pub fn complete_turn(&mut self, response: GenerateResponse) -> Result<GenerateResponse, Error> {
        if self.pending_request().is_none() {
            return Err(Error::invalid(
                "conversation",
                "no turn is pending; call begin_turn first",
            ));
        }
        match response.require_image() {
            Ok(response) => {
                self.request.contents.truncate(self.committed_turns + 1);
                self.request.contents.push(response.model_turn());
                self.committed_turns += 2;
                Ok(response)
            }
            Err(error) => {
                self.abort_turn();
                Err(error)
            }
        }
    }

    /// Drops the pending turn.
    pub fn abort_turn(&mut self) {
        self.request.contents.truncate(self.committed_turns);
    }

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
                    if seen > keep {
                        continue;
                    }
                }
                kept.push(part);
            }
            kept.reverse();
            content.parts = kept;
        }
    }

    /// A snapshot for storage (e.g. a CLI session file); images are base64 inside.
    pub fn to_snapshot(&self) -> ConversationSnapshot {
        ConversationSnapshot {
            model: self.request.model.clone(),
            history: self.history().to_vec(),
            keep_last_images: self.keep_last_images,
        }
    }

    /// Restores a conversation from a snapshot with fresh options from `template` (its
    /// model is replaced by the snapshot's).
    pub fn from_snapshot(snapshot: ConversationSnapshot, template: GenerateRequest) -> Self {
        let mut request = template;
        request.model = snapshot.model;
        request.contents = snapshot.history;
        Conversation::new(request).with_keep_last_images(snapshot.keep_last_images)
    }
}

/// Mutable access to a [`Conversation`]'s options, from [`Conversation::options_mut`];
/// puts the history back when dropped.
#[derive(Debug)]
pub struct OptionsMut<'a> {
    conversation: &'a mut Conversation,
    history: Vec<Content>,
}

impl Deref for OptionsMut<'_> {
    type Target = GenerateRequest;
    fn deref(&self) -> &GenerateRequest {
        &self.conversation.request
    }
}

impl DerefMut for OptionsMut<'_> {
    fn deref_mut(&mut self) -> &mut GenerateRequest {
        &mut self.conversation.request
    }
}

impl Drop for OptionsMut<'_> {
    fn drop(&mut self) {
        self.conversation.request.contents = std::mem::take(&mut self.history);
    }
}

/// The serializable state of a [`Conversation`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationSnapshot {
    /// The model.
    pub model: String,
    /// The committed turns.
    pub history: Vec<Content>,
    /// The trimming setting.
    #[serde(default)]
    pub keep_last_images: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::parse_response;

    fn answer(sig: &str) -> GenerateResponse {
        let body = format!(
            r#"{{"candidates":[{{"content":{{"role":"model","parts":[{{"text":"t","thought":true}},{{"text":"ok","thoughtSignature":"{sig}a"}},{{"inlineData":{{"mimeType":"image/jpeg","data":"AAEC"}},"thoughtSignature":"{sig}b"}}]}},"finishReason":"STOP"}}]}}"#
        );
        parse_response(200, &[], body.as_bytes()).unwrap()
    }

    #[test]
    fn three_turns_with_failure_and_trim() {
        let mut conv = Conversation::new(GenerateRequest::new("gemini-3-pro-image-preview"))
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
        let request = conv.begin_turn(vec![Part::text("add a sled")]).clone();
        assert_eq!(request.contents.len(), 5);
        // Thoughts dropped, signatures kept, only the newest model image kept.
        assert_eq!(request.contents[1].parts.len(), 1);
        assert_eq!(
            request.contents[1].parts[0].thought_signature.as_deref(),
            Some("s1a")
        );
        assert_eq!(request.contents[3].parts.len(), 2);
        {
            let mut options = conv.options_mut();
            options.config.aspect_ratio = Some(crate::AspectRatio::Landscape16x9);
            options.contents.clear();
        }
        assert_eq!(conv.pending_request().unwrap().contents.len(), 5);
        assert!(
            conv.pending_request()
                .unwrap()
                .config
                .aspect_ratio
                .is_some()
        );
        let snapshot = conv.to_snapshot();
        let json = serde_json::to_string(&snapshot).unwrap();
        let back: ConversationSnapshot = serde_json::from_str(&json).unwrap();
        assert_eq!(back, snapshot);
        assert_eq!(back.history.len(), 4);
    }
}
