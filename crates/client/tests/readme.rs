//! The README's example is `examples/quickstart.rs` (built by `cargo test`, run by
//! `cargo run -p gemini-image --example quickstart`): keep the two identical.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn readme_example_is_the_quickstart_example() {
    let readme = include_str!("../README.md");
    let example = include_str!("../examples/quickstart.rs");
    let start = readme.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let end = start + readme[start..].find("```").expect("end of the block");
    let code = &readme[start..end];
    let body = example
        .split_once("\n\n")
        .map(|(_, body)| body)
        .expect("header, then code");
    assert_eq!(code, body, "README.md and examples/quickstart.rs differ");
}
