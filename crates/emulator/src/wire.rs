//! Response and error bodies, written as wire JSON directly (images are spliced in as
//! ready-made base64, so a 20 MB image costs one copy, not a JSON tree).

use serde_json::{Value, json};

/// A response part.
pub(crate) enum OutPart<'a> {
    Text {
        text: &'a str,
        thought: bool,
        signature: Option<&'a str>,
    },
    Image {
        mime: &'a str,
        base64: &'a str,
        thought: bool,
        signature: Option<&'a str>,
    },
}

/// Token counts for `usageMetadata`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Usage {
    pub(crate) prompt_text: u32,
    pub(crate) prompt_image: u32,
    pub(crate) candidates_text: u32,
    pub(crate) candidates_image: u32,
    pub(crate) thoughts: u32,
}

impl Usage {
    /// Only the prompt side (first stream chunk, blocked prompts).
    pub(crate) fn prompt_only(self) -> Usage {
        Usage {
            candidates_text: 0,
            candidates_image: 0,
            thoughts: 0,
            ..self
        }
    }

    /// `candidatesTokenCount`: always the sum of `candidatesTokensDetails`.
    pub(crate) fn candidates(self) -> u32 {
        self.candidates_text + self.candidates_image
    }

    /// `promptTokenCount`: always the sum of `promptTokensDetails`.
    pub(crate) fn prompt(self) -> u32 {
        self.prompt_text + self.prompt_image
    }

    pub(crate) fn to_json(self) -> Value {
        let prompt = self.prompt();
        let candidates = self.candidates();
        let mut m = serde_json::Map::new();
        m.insert("promptTokenCount".into(), json!(prompt));
        if candidates > 0 {
            m.insert("candidatesTokenCount".into(), json!(candidates));
        }
        m.insert(
            "totalTokenCount".into(),
            json!(prompt + candidates + self.thoughts),
        );
        let mut details = Vec::new();
        if self.prompt_image > 0 {
            details.push(json!({"modality": "IMAGE", "tokenCount": self.prompt_image}));
        }
        if self.prompt_text > 0 {
            details.push(json!({"modality": "TEXT", "tokenCount": self.prompt_text}));
        }
        m.insert("promptTokensDetails".into(), Value::Array(details));
        let mut details = Vec::new();
        if self.candidates_image > 0 {
            details.push(json!({"modality": "IMAGE", "tokenCount": self.candidates_image}));
        }
        if self.candidates_text > 0 {
            details.push(json!({"modality": "TEXT", "tokenCount": self.candidates_text}));
        }
        if !details.is_empty() {
            m.insert("candidatesTokensDetails".into(), Value::Array(details));
        }
        if self.thoughts > 0 {
            m.insert("thoughtsTokenCount".into(), json!(self.thoughts));
        }
        Value::Object(m)
    }
}

fn push_json_str(out: &mut String, s: &str) {
    // Serializing a &str to JSON cannot fail.
    match serde_json::to_string(s) {
        Ok(q) => out.push_str(&q),
        Err(_) => out.push_str("\"\""),
    }
}

fn push_parts(out: &mut String, parts: &[OutPart<'_>]) {
    out.push('[');
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let (thought, signature) = match p {
            OutPart::Text {
                text,
                thought,
                signature,
            } => {
                out.push_str("{\"text\":");
                push_json_str(out, text);
                (*thought, *signature)
            }
            OutPart::Image {
                mime,
                base64,
                thought,
                signature,
            } => {
                out.push_str("{\"inlineData\":{\"mimeType\":");
                push_json_str(out, mime);
                out.push_str(",\"data\":\"");
                out.push_str(base64);
                out.push_str("\"}");
                (*thought, *signature)
            }
        };
        if thought {
            out.push_str(",\"thought\":true");
        }
        if let Some(sig) = signature {
            out.push_str(",\"thoughtSignature\":");
            push_json_str(out, sig);
        }
        out.push('}');
    }
    out.push(']');
}

/// What the candidate's `content` looks like.
pub(crate) enum ContentShape<'a> {
    /// `{"role":"model","parts":[…]}`
    Parts(&'a [OutPart<'a>]),
    /// `{}`
    Empty,
    /// `{"role":"model"}`
    RoleOnly,
}

/// One candidate.
pub(crate) struct CandidateOut<'a> {
    pub(crate) content: ContentShape<'a>,
    pub(crate) finish_reason: Option<&'a str>,
    pub(crate) finish_message: Option<&'a str>,
    /// Whether to list the four `NEGLIGIBLE` safety ratings (finished, unblocked answers).
    pub(crate) safety_ratings: bool,
}

/// The ratings Google attaches to a finished answer (the gateway's documented example).
const SAFETY_RATINGS: &str = r#"[{"category":"HARM_CATEGORY_SEXUALLY_EXPLICIT","probability":"NEGLIGIBLE"},{"category":"HARM_CATEGORY_HATE_SPEECH","probability":"NEGLIGIBLE"},{"category":"HARM_CATEGORY_HARASSMENT","probability":"NEGLIGIBLE"},{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"NEGLIGIBLE"}]"#;

/// A whole `GenerateContentResponse` (also one SSE chunk).
pub(crate) struct ResponseOut<'a> {
    pub(crate) candidate: Option<CandidateOut<'a>>,
    pub(crate) block_reason: Option<&'a str>,
    pub(crate) usage: Option<Usage>,
    pub(crate) model_version: &'a str,
    pub(crate) response_id: &'a str,
}

impl ResponseOut<'_> {
    pub(crate) fn to_json(&self) -> String {
        let image_len: usize = match &self.candidate {
            Some(CandidateOut {
                content: ContentShape::Parts(parts),
                ..
            }) => parts
                .iter()
                .map(|p| match p {
                    OutPart::Image { base64, .. } => base64.len(),
                    OutPart::Text { text, .. } => text.len(),
                })
                .sum(),
            _ => 0,
        };
        let mut out = String::with_capacity(image_len + 1024);
        out.push('{');
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !first {
                out.push(',');
            }
            first = false;
        };
        if let Some(c) = &self.candidate {
            sep(&mut out);
            out.push_str("\"candidates\":[{\"content\":");
            match &c.content {
                ContentShape::Parts(parts) => {
                    out.push_str("{\"role\":\"model\",\"parts\":");
                    push_parts(&mut out, parts);
                    out.push('}');
                }
                ContentShape::Empty => out.push_str("{}"),
                ContentShape::RoleOnly => out.push_str("{\"role\":\"model\"}"),
            }
            if let Some(r) = c.finish_reason {
                out.push_str(",\"finishReason\":");
                push_json_str(&mut out, r);
            }
            if let Some(m) = c.finish_message {
                out.push_str(",\"finishMessage\":");
                push_json_str(&mut out, m);
            }
            out.push_str(",\"index\":0");
            if c.safety_ratings {
                out.push_str(",\"safetyRatings\":");
                out.push_str(SAFETY_RATINGS);
            }
            out.push_str("}]");
        }
        if let Some(b) = self.block_reason {
            sep(&mut out);
            out.push_str("\"promptFeedback\":{\"blockReason\":");
            push_json_str(&mut out, b);
            out.push('}');
        }
        if let Some(u) = self.usage {
            sep(&mut out);
            out.push_str("\"usageMetadata\":");
            out.push_str(&u.to_json().to_string());
        }
        sep(&mut out);
        out.push_str("\"modelVersion\":");
        push_json_str(&mut out, self.model_version);
        out.push_str(",\"responseId\":");
        push_json_str(&mut out, self.response_id);
        out.push('}');
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Error bodies

/// Google's error envelope: `{"error":{"code":int,"message","status","details"?}}`, keys
/// in Google's order.
pub(crate) fn google_error(
    code: u16,
    status: &str,
    message: &str,
    details: Option<Value>,
) -> String {
    let mut out = format!("{{\"error\":{{\"code\":{code},\"message\":");
    push_json_str(&mut out, message);
    out.push_str(",\"status\":");
    push_json_str(&mut out, status);
    if let Some(d) = details {
        out.push_str(",\"details\":");
        out.push_str(&d.to_string());
    }
    out.push_str("}}");
    out
}

/// LiteLLM's error envelope (the gateway's own errors): `code` is a string; keys in
/// LiteLLM's order (`message`, `type`, `param`, `code`).
pub(crate) fn litellm_error(code: u16, message: &str, error_type: &str, param: Value) -> String {
    let mut out = String::from("{\"error\":{\"message\":");
    push_json_str(&mut out, message);
    out.push_str(",\"type\":");
    push_json_str(&mut out, error_type);
    out.push_str(",\"param\":");
    out.push_str(&param.to_string());
    out.push_str(",\"code\":");
    push_json_str(&mut out, &code.to_string());
    out.push_str("}}");
    out
}

/// A 400 `INVALID_ARGUMENT` with one `BadRequest` field violation per entry (Google leaves
/// `field` out for top-level problems); the message joins the descriptions with newlines.
pub(crate) fn bad_request_violations(violations: &[(Option<String>, String)]) -> String {
    let message: Vec<&str> = violations.iter().map(|(_, d)| d.as_str()).collect();
    let entries: Vec<Value> = violations
        .iter()
        .map(|(field, description)| match field {
            Some(f) => json!({"field": f, "description": description}),
            None => json!({"description": description}),
        })
        .collect();
    google_error(
        400,
        "INVALID_ARGUMENT",
        &message.join("\n"),
        Some(json!([{
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": entries
        }])),
    )
}

/// The 400 for a request the core's parser or validator rejected.
pub(crate) fn invalid_argument(field: Option<&str>, message: &str) -> String {
    let details = field.map(|f| {
        json!([{
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{"field": f, "description": message}]
        }])
    });
    google_error(400, "INVALID_ARGUMENT", message, details)
}

/// The 429 rate-limit body with QuotaFailure, Help and RetryInfo.
pub(crate) fn rate_limit(model: &str) -> String {
    let message = format!(
        "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_requests_per_model, limit: 500, model: {model}\nPlease retry in 1s."
    );
    let details = json!([
        {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [{
                "quotaMetric": "generativelanguage.googleapis.com/generate_requests_per_model",
                "quotaId": "GenerateRequestsPerMinutePerProjectPerModel",
                "quotaDimensions": {"location": "global", "model": model},
                "quotaValue": "500"
            }]
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [{"description": "Learn more about Gemini API quotas", "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]
        },
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}
    ]);
    google_error(429, "RESOURCE_EXHAUSTED", &message, Some(details))
}

/// Google's 503 body; also what `stream_error` writes into a stream after a 200.
pub(crate) fn overloaded() -> String {
    google_error(
        503,
        "UNAVAILABLE",
        "The model is overloaded. Please try again later.",
        None,
    )
}

/// A front proxy's 502 page.
pub(crate) const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// finishMessage of IMAGE_SAFETY.
pub(crate) const IMAGE_SAFETY_MESSAGE: &str = "Unable to show the generated image. The image was filtered out because it violated Google's Generative AI Prohibited Use policy. You will not be charged for blocked images. Try rephrasing the prompt. If you think this was an error, send feedback.";

/// finishMessage of IMAGE_PROHIBITED_CONTENT.
pub(crate) const PROHIBITED_MESSAGE: &str = "The model output could not be generated. This output contains sensitive words that violate Google's Responsible AI practices. Try rephrasing the prompt. If you think this was an error, send feedback. Support code: 42876398.";

/// The text-only refusal.
pub(crate) const REFUSAL_TEXT: &str = "I can't create images of that.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_is_valid_json() {
        let parts = [
            OutPart::Text {
                text: "think \"hard\"",
                thought: true,
                signature: None,
            },
            OutPart::Image {
                mime: "image/jpeg",
                base64: "AAAA",
                thought: false,
                signature: Some("c2ln"),
            },
        ];
        let r = ResponseOut {
            candidate: Some(CandidateOut {
                content: ContentShape::Parts(&parts),
                finish_reason: Some("STOP"),
                finish_message: None,
                safety_ratings: true,
            }),
            block_reason: None,
            usage: Some(Usage {
                prompt_text: 3,
                candidates_image: 1120,
                thoughts: 10,
                ..Usage::default()
            }),
            model_version: "m",
            response_id: "id",
        };
        let v: Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(
            v["candidates"][0]["content"]["parts"][1]["thoughtSignature"],
            "c2ln"
        );
        assert_eq!(v["candidates"][0]["content"]["parts"][0]["thought"], true);
        assert_eq!(v["usageMetadata"]["totalTokenCount"], 1133);
        assert_eq!(v["usageMetadata"]["candidatesTokenCount"], 1120);
        assert_eq!(
            v["candidates"][0]["safetyRatings"][0]["probability"],
            "NEGLIGIBLE"
        );
        let e: Value =
            serde_json::from_str(&google_error(503, "UNAVAILABLE", "m \"q\"", None)).unwrap();
        assert_eq!(
            e,
            json!({"error": {"code": 503, "message": "m \"q\"", "status": "UNAVAILABLE"}})
        );
        let e: Value =
            serde_json::from_str(&litellm_error(429, "b", "budget_exceeded", Value::Null)).unwrap();
        assert_eq!(
            e,
            json!({"error": {"message": "b", "type": "budget_exceeded", "param": null, "code": "429"}})
        );
        let b = ResponseOut {
            candidate: None,
            block_reason: Some("PROHIBITED_CONTENT"),
            usage: None,
            model_version: "m",
            response_id: "id",
        };
        let v: Value = serde_json::from_str(&b.to_json()).unwrap();
        assert_eq!(v["promptFeedback"]["blockReason"], "PROHIBITED_CONTENT");
        assert!(v.get("candidates").is_none());
    }
}
