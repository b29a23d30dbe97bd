#!/usr/bin/env bash
# Runs Google's official SDKs against the emulator (tests/compat): google-genai (Python,
# pytest) and @google/genai (Node, node --test), each with its default settings except the
# base URL and the key. Installs them into target/compat/venv and
# tests/compat/node/node_modules (both ignored by git). Needs cargo; runs the Python part
# when python3 is present and the Node part when node is, and is skipped (with the reason
# printed) only when neither is.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
export CARGO_PROFILE_DEV_DEBUG=0

step() { printf '\n==> %s\n' "$*"; }

have_python=0
have_node=0
command -v python3 >/dev/null 2>&1 && have_python=1
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && have_node=1
if [[ $have_python == 0 && $have_node == 0 ]]; then
  echo "compat: SKIPPED: neither python3 nor node (with npm) is on PATH, so neither official SDK can run"
  exit 0
fi

step "compat: build the emulator (gemini-image emulator)"
cargo build -p gemini-image-cli --locked
bin="$PWD/target/$CARGO_BUILD_TARGET/debug/gemini-image"
if [[ ! -x "$bin" ]]; then
  echo "compat: the build did not produce $bin" >&2
  exit 1
fi
export GEMINI_IMAGE_BIN="$bin"

if [[ $have_python == 1 ]]; then
  step "compat: google-genai (Python) against the emulator"
  venv=target/compat/venv
  if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r tests/compat/python/requirements.txt
  "$venv/bin/python" -c 'import google.genai, sys; print("google-genai", google.genai.__version__, "on Python", sys.version.split()[0])'
  (cd tests/compat/python && "../../../$venv/bin/python" -m pytest -q -p no:cacheprovider)
else
  echo "compat: python3 not found: skipping the google-genai (Python) suite"
fi

if [[ $have_node == 1 ]]; then
  step "compat: @google/genai (Node) against the emulator"
  (cd tests/compat/node && npm install --no-audit --no-fund --loglevel=error)
  node -e 'console.log("@google/genai", require("./tests/compat/node/node_modules/@google/genai/package.json").version, "on Node", process.version)'
  (cd tests/compat/node && node --test google-genai.test.mjs)
else
  echo "compat: node/npm not found: skipping the @google/genai (Node) suite"
fi

step "compat: passed"
