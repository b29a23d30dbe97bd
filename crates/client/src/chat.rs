//! Multi-turn editing: [`Chat`], a [`Conversation`] bound to a [`Client`].

use std::fmt;

use gemini_image_core::{
    Blob, Content, Conversation, ConversationSnapshot, Error, GenerateRequest, GenerateResponse,
    OptionsMut, Part, PartData,
};

use crate::client::{CallInfo, Client};

impl Client {
    /// A new multi-turn conversation with the default model.
    ///
    /// ```no_run
    /// # let client = gemini_image::Client::from_env()?;
    /// let mut chat = client.conversation().keep_last_images(2);
    /// chat.send_text("a cozy cabin in a snowy forest")?;
    /// let evening = chat.send_text("now at dusk, with warm light in the windows")?;
    /// std::fs::write("cabin.json", serde_json::to_vec(&chat.snapshot())?)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn conversation(&self) -> Chat {
        self.conversation_with(GenerateRequest::new(self.inner.default_model.clone()))
    }

    /// A new conversation whose every turn uses `template`'s model and options (aspect
    /// ratio, size, system instruction…); any contents in the template start the history.
    pub fn conversation_with(&self, template: GenerateRequest) -> Chat {
        Chat {
            client: self.clone(),
            conversation: Conversation::new(template),
            last_call: None,
        }
    }

    /// Continues a conversation saved with [`Chat::snapshot`] (its model and history; the
    /// other options are the defaults, see [`Chat::options_mut`]).
    pub fn resume_conversation(&self, snapshot: ConversationSnapshot) -> Chat {
        let template = GenerateRequest::new(snapshot.model.clone());
        Chat {
            client: self.clone(),
            conversation: Conversation::from_snapshot(snapshot, template),
            last_call: None,
        }
    }
}

/// A multi-turn image conversation: each turn sends the whole history (the model's earlier
/// turns minus thoughts, every `thoughtSignature` intact, as Gemini 3 models require) and
/// records the answer. A turn that fails — an HTTP error or an answer without an image —
/// leaves the history unchanged, so it can simply be retried or rephrased.
pub struct Chat {
    client: Client,
    conversation: Conversation,
    last_call: Option<CallInfo>,
}

impl fmt::Debug for Chat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chat")
            .field("model", &self.conversation.model())
            .field("turns", &self.conversation.history().len())
            .field("last_call", &self.last_call)
            .finish()
    }
}

impl Chat {
    /// Sends a user turn made of `parts` (text, images, file references) and returns the
    /// model's answer, which must carry an image (else [`Error::NoImage`], and the turn is
    /// not recorded).
    pub fn send(&mut self, parts: Vec<Part>) -> Result<GenerateResponse, Error> {
        let request = self.conversation.begin_turn(parts);
        let (result, info) = self.client.generate_raw_with_info(request);
        self.last_call = Some(info);
        match result {
            Ok(response) => self
                .conversation
                .complete_turn(response)
                .map_err(|err| err.redact(self.client.inner.key.expose())),
            Err(err) => {
                self.conversation.abort_turn();
                Err(err)
            }
        }
    }

    /// Sends a text-only turn ("make it night", "add a red scarf").
    pub fn send_text(&mut self, prompt: impl Into<String>) -> Result<GenerateResponse, Error> {
        self.send(vec![Part::text(prompt)])
    }

    /// Sends a turn with an instruction followed by images.
    pub fn send_edit(
        &mut self,
        images: impl IntoIterator<Item = Blob>,
        prompt: impl Into<String>,
    ) -> Result<GenerateResponse, Error> {
        let mut parts = vec![Part::text(prompt)];
        parts.extend(
            images
                .into_iter()
                .map(|blob| Part::from_data(PartData::InlineData(blob))),
        );
        self.send(parts)
    }

    /// Sends only the newest `n` model images back with each turn (older ones are dropped
    /// from the request, their text kept), bounding the payload of long conversations.
    pub fn keep_last_images(mut self, n: usize) -> Self {
        self.conversation = self.conversation.with_keep_last_images(Some(n));
        self
    }

    /// The committed turns (user and model, alternating).
    pub fn history(&self) -> &[Content] {
        self.conversation.history()
    }

    /// The model this conversation talks to.
    pub fn model(&self) -> &str {
        self.conversation.model()
    }

    /// The options every turn is sent with (change the aspect ratio or size between turns);
    /// the history stays out of reach.
    pub fn options_mut(&mut self) -> OptionsMut<'_> {
        self.conversation.options_mut()
    }

    /// The serializable state (model, history with images as base64, trimming setting),
    /// for [`Client::resume_conversation`].
    pub fn snapshot(&self) -> ConversationSnapshot {
        self.conversation.to_snapshot()
    }

    /// What the last turn's call cost (attempts, time), if a turn was sent.
    pub fn last_call_info(&self) -> Option<&CallInfo> {
        self.last_call.as_ref()
    }

    /// The underlying pure conversation state.
    pub fn conversation(&self) -> &Conversation {
        &self.conversation
    }
}
