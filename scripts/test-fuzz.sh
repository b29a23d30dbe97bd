#!/usr/bin/env bash
# A short, bounded fuzzing run of every target in fuzz/ (cargo-fuzz, libFuzzer, nightly):
# FUZZ_SECONDS per target (default 20), seeded from the shared test vectors. Fails on any
# crash or failed invariant. The long runs (10 million executions per target) are
# recorded in docs/reliability.md:
#   FUZZ_RUNS=10000000 bash scripts/test-fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

CARGO_FUZZ_VERSION=0.13.1
SECONDS_PER_TARGET="${FUZZ_SECONDS:-20}"
# cargo-fuzz picks its own target triple and target dir (fuzz/target).
unset CARGO_BUILD_TARGET

step() { printf '\n==> fuzz: %s\n' "$*"; }
fail() { echo "test-fuzz.sh: $*" >&2; exit 1; }

step "toolchain: nightly and cargo-fuzz $CARGO_FUZZ_VERSION"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

step "build (release, address sanitizer)"
(cd fuzz && cargo +nightly fuzz build -O) || fail "the fuzz targets did not build"

step "seed corpora from tests/fixtures"
corpus="$root/target/fuzz-corpus"
python3 - "$root/tests/fixtures/cases" "$corpus" <<'PY'
import json, os, pathlib, sys
cases, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for name in ("response", "stream", "error_envelope", "sniff"):
    (out / name).mkdir(parents=True, exist_ok=True)
n = 0
def walk(v, found):
    if isinstance(v, dict):
        if isinstance(v.get("status"), int) and "json" in v:
            found.append((v["status"], json.dumps(v["json"]).encode()))
        for x in v.values():
            walk(x, found)
    elif isinstance(v, list):
        for x in v:
            walk(x, found)
for path in sorted(cases.rglob("*.json")):
    found = []
    walk(json.loads(path.read_text()), found)
    for status, body in found:
        n += 1
        if 200 <= status < 300:
            (out / "response" / f"seed{n}").write_bytes(bytes([7]) + body)
            (out / "stream" / f"seed{n}").write_bytes(bytes([5]) + b"data: " + body + b"\r\n\r\n")
        else:
            (out / "error_envelope" / f"seed{n}").write_bytes(bytes([status % 200, ord("1"), ord(" ")]) + body)
for name, data in {"png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x02\0\0\0\x01\x08\x02\0\0\0",
                   "jpeg": b"\xff\xd8\xff\xe0\0\x10JFIF\0", "webp": b"RIFF\x0c\0\0\0WEBPVP8L",
                   "heic": b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", "gif": b"GIF89a\x01\0\x01\0"}.items():
    (out / "sniff" / name).write_bytes(data)
print(f"{n} seeds from the fixtures")
PY

for target in response stream error_envelope sniff; do
  step "$target"
  if [ -n "${FUZZ_RUNS:-}" ]; then
    limit="-runs=$FUZZ_RUNS"
  else
    limit="-max_total_time=$SECONDS_PER_TARGET"
  fi
  (cd fuzz && cargo +nightly fuzz run -O "$target" "$corpus/$target" -- \
      "$limit" -max_len=65536 -print_final_stats=1 2>&1 | tail -n 25) \
    || fail "$target found a crash (see fuzz/artifacts/$target)"
done
echo "fuzz: all targets ran without a crash"
