//! Key spellings: the Gemini wire format is camelCase, every front door's options are
//! snake_case (or camelCase in Node), and proto JSON accepts both. Shared by the core, the
//! emulator and the test-vector runners so the rule is written once.

/// `aspect_ratio` -> `aspectRatio`. A leading underscore is kept (`_x` stays `_x`).
pub fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for (i, c) in key.chars().enumerate() {
        if c == '_' && i > 0 {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `topP` -> `top_p`; snake_case keys pass unchanged.
pub fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ways() {
        assert_eq!(camel_case("max_output_tokens"), "maxOutputTokens");
        assert_eq!(camel_case("_private"), "_private");
        assert_eq!(snake_case("maxOutputTokens"), "max_output_tokens");
        assert_eq!(
            snake_case(&camel_case("thinking_budget")),
            "thinking_budget"
        );
    }
}
