//! Multi-turn editing: [`Chat`], a [`Conversation`] bound to a [`Client`].

use std::fmt;

use gemini_image_core::{
    Blob, Content, Conversation, Error, GenerateResponse, Part, PartData, RequestOptions,
};

use crate::call::CallOptions;
use crate::client::{CallInfo, Client};

impl Client {
    /// A new multi-turn conversation with the default model and no options.
    ///
    /// ```no_run
    /// # let client = gemini_image::Client::from_env()?;
    /// let mut chat = client.conversation().keep_last_images(2);
    /// chat.send_text("a cozy cabin in a snowy forest")?;
    /// let evening = chat.send_text("now at dusk, with warm light in the windows")?;
    /// std::fs::write("cabin.json", chat.to_json())?;
    /// // later: client.restore_chat(&std::fs::read("cabin.json")?, None)?
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn conversation(&self) -> Chat {
        self.chat(RequestOptions::default())
    }

    /// A new conversation whose every turn uses `options` (aspect ratio, size, system
    /// instruction…); its model is `options.model`, else the client's default model.
    pub fn chat(&self, options: RequestOptions) -> Chat {
        let model = options
            .model
            .clone()
            .unwrap_or_else(|| self.inner.default_model.clone());
        self.resume_chat(Conversation::new(model, options))
    }

    /// Continues `conversation` (restored, or prepared with the pure core API).
    pub fn resume_chat(&self, conversation: Conversation) -> Chat {
        Chat {
            client: self.clone(),
            conversation,
            last_call: None,
        }
    }

    /// Continues a conversation saved with [`Chat::to_json`]. With `model` given, it must be
    /// the saved conversation's (a conversation stays with one model).
    pub fn restore_chat(&self, json: &[u8], model: Option<&str>) -> Result<Chat, Error> {
        Ok(self.resume_chat(Conversation::from_json(json, model)?))
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
        self.conversation.begin_turn(parts);
        self.send_pending(&CallOptions::default())
    }

    /// [`Chat::send`] with options for this turn only (over the chat's) and per-call
    /// controls. A `model` in `overrides` other than the chat's is an `invalid_request`.
    pub fn send_with(
        &mut self,
        parts: Vec<Part>,
        overrides: &RequestOptions,
        call: &CallOptions,
    ) -> Result<GenerateResponse, Error> {
        self.conversation.begin_turn_with(parts, overrides)?;
        self.send_pending(call)
    }

    /// Sends the turn begun on [`Chat::conversation_mut`] (e.g. validated first with the
    /// pure API); fails with `invalid_request` when no turn is pending.
    pub fn send_pending(&mut self, call: &CallOptions) -> Result<GenerateResponse, Error> {
        let Some(request) = self.conversation.pending_request() else {
            return Err(Error::invalid(
                "conversation",
                "no turn is pending; begin a turn first",
            ));
        };
        let (result, info) = self.client.generate_raw_info_with(request, call);
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

    /// Sends only the newest `n` model images back with each turn (older unsigned ones are
    /// dropped from the request, their text kept), bounding the payload of long
    /// conversations. Images carrying a thought signature (Gemini 3) are always kept.
    #[must_use]
    pub fn keep_last_images(mut self, n: usize) -> Self {
        self.conversation = self.conversation.with_keep_last_images(Some(n));
        self
    }

    /// The committed turns (user and model, alternating).
    pub fn history(&self) -> &[Content] {
        self.conversation.history()
    }

    /// How many exchanges (a prompt and its answer) are committed.
    pub fn turn_count(&self) -> usize {
        self.conversation.turn_count()
    }

    /// The model this conversation talks to.
    pub fn model(&self) -> &str {
        self.conversation.model()
    }

    /// The options every turn is sent with.
    pub fn options(&self) -> &RequestOptions {
        self.conversation.options()
    }

    /// Replaces the options of the following turns (a `model` in them is ignored).
    pub fn set_options(&mut self, options: RequestOptions) {
        self.conversation.set_options(options);
    }

    /// The conversation as one versioned JSON document (model, options, history with
    /// thought signatures), for [`Client::restore_chat`].
    pub fn to_json(&self) -> String {
        self.conversation.to_json()
    }

    /// What the last turn's call cost (attempts, time), if a turn was sent.
    pub fn last_call_info(&self) -> Option<&CallInfo> {
        self.last_call.as_ref()
    }

    /// The underlying pure conversation state.
    pub fn conversation(&self) -> &Conversation {
        &self.conversation
    }

    /// The underlying state, to begin a turn by hand (then [`Chat::send_pending`]).
    pub fn conversation_mut(&mut self) -> &mut Conversation {
        &mut self.conversation
    }
}
