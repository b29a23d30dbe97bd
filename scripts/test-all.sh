#!/usr/bin/env bash
# Runs every check and test of the workspace, on a fresh machine or a dev box.
# This is the command README.md gives and the one CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# No debug info: smaller target/, faster links, and no rebuild between build and test.
export CARGO_PROFILE_DEV_DEBUG=0
export CARGO_INCREMENTAL=0
# One target triple for every cargo call: the napi CLI always passes --target <host>, so
# without this the bindings would rebuild every dependency into a second directory.
# Built files live in target/<triple>/debug/.
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install Rust from https://rustup.rs (or your package manager)" >&2
  exit 1
fi
cargo --version
rustup component add rustfmt clippy >/dev/null 2>&1 || true

step "format (cargo fmt --check)"
cargo fmt --all -- --check

step "lint (cargo clippy --workspace --all-targets -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "core purity: no IO crate in gemini-image-core's normal dependencies"
tree=$(cargo tree -p gemini-image-core -e normal --prefix none --locked)
if grep -Eiq '^(ureq|reqwest|hyper|tokio|rustls|mio|socket2|axum|async-std|native-tls|curl)( |$)' <<<"$tree"; then
  echo "gemini-image-core must stay sans-IO, but its tree has:" >&2
  grep -Ei '^(ureq|reqwest|hyper|tokio|rustls|mio|socket2|axum|async-std|native-tls|curl)( |$)' <<<"$tree" >&2
  exit 1
fi
if grep -rnE 'std::(net|fs|env|thread|process)\b|Instant::now|SystemTime|thread::sleep' crates/core/src; then
  echo "gemini-image-core must not touch sockets, files, env, threads, processes or clocks" >&2
  exit 1
fi
echo "ok: $(wc -l <<<"$tree") crates, none doing IO"

step "tests (cargo test --workspace; includes the shared test vectors, property tests, the fault matrix and a bounded soak)"
cargo test --workspace --locked

step "official SDKs against the emulator (google-genai, @google/genai)"
bash scripts/test-compat.sh

step "python package (scripts/test-python.sh)"
bash scripts/test-python.sh

step "node package (scripts/test-node.sh)"
bash scripts/test-node.sh

step "Kotlin and Swift binding (uniffi): scripts/test-ffi.sh"
bash scripts/test-ffi.sh

step "fuzzing, bounded (scripts/test-fuzz.sh: nightly, cargo-fuzz, 20 s a target)"
bash scripts/test-fuzz.sh

step "all checks passed"
