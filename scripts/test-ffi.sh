#!/usr/bin/env bash
# The uniffi binding (bindings/ffi): builds the cdylib and uniffi-bindgen, generates the
# Kotlin, Swift and Python bindings, runs the Kotlin tests (mvn -B test), checks that the
# committed Swift sources are exactly what generation gives (twice), and smoke-tests the
# generated Python module. Called by scripts/test-all.sh; runs alone from the repo root too.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"

step() { printf '\n==> ffi: %s\n' "$*"; }
fail() { echo "ffi: $*" >&2; exit 1; }

ROOT="$(pwd)"
BUILD_DIR="$ROOT/target/$CARGO_BUILD_TARGET/debug"
case "$(uname -s)" in
  Darwin) LIB="$BUILD_DIR/libgemini_image_ffi.dylib" ;;
  *) LIB="$BUILD_DIR/libgemini_image_ffi.so" ;;
esac
BINDGEN="$BUILD_DIR/uniffi-bindgen"
GEN="$ROOT/target/uniffi"

command -v mvn >/dev/null 2>&1 || fail "mvn not found: install Maven 3.8+ and a JDK 17 (the Kotlin tests need them)"
command -v python3 >/dev/null 2>&1 || fail "python3 not found (the smoke test of the generated Python module needs it)"

step "build the cdylib and uniffi-bindgen (dev profile, target $CARGO_BUILD_TARGET)"
cargo build --locked -p gemini-image-ffi -p uniffi-bindgen
[ -f "$LIB" ] || fail "the build did not produce $LIB"
[ -x "$BINDGEN" ] || fail "the build did not produce $BINDGEN"

generate() { # language out-dir
  rm -rf "$2"
  "$BINDGEN" generate --library "$LIB" --language "$1" --no-format --out-dir "$2" >/dev/null
}

step "generate Kotlin, Swift (twice) and Python"
generate kotlin "$GEN/kotlin"
generate swift "$GEN/swift-1"
generate swift "$GEN/swift-2"
generate python "$GEN/python"
[ -f "$GEN/kotlin/ai/gemini_image/gemini_image.kt" ] || fail "no Kotlin was generated"
[ -f "$GEN/swift-1/GeminiImage.swift" ] || fail "no Swift was generated"
[ -f "$GEN/python/gemini_image.py" ] || fail "no Python was generated"

step "Swift generation is deterministic and the committed sources are current"
diff -r "$GEN/swift-1" "$GEN/swift-2" || fail "two Swift generations differ"
SWIFT="$ROOT/bindings/ffi/swift"
for pair in \
  "GeminiImage.swift:Sources/GeminiImage/Generated/GeminiImage.swift" \
  "GeminiImageFFI.h:Sources/GeminiImageFFI/include/GeminiImageFFI.h"; do
  from="$GEN/swift-1/${pair%%:*}"; to="$SWIFT/${pair#*:}"
  cmp -s "$from" "$to" || fail "$to is stale: run scripts/generate-swift.sh and commit the result"
done
echo "ok: the committed Swift sources match a fresh generation"

step "Kotlin: mvn -B test (JUnit 5; every shared case in both modes, the emulator end to end)"
rm -rf bindings/ffi/kotlin/target/generated-sources/uniffi
mkdir -p bindings/ffi/kotlin/target/generated-sources
cp -r "$GEN/kotlin" bindings/ffi/kotlin/target/generated-sources/uniffi
log="$GEN/mvn-test.log"
set +e
(cd bindings/ffi/kotlin && mvn -B test -Dnative.dir="$BUILD_DIR") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || fail "mvn test failed (exit $status)"
# Surefire's summary: "Tests run: N, Failures: 0, Errors: 0, Skipped: 0" with N > 0.
summary=$(grep -E '^\[[A-Z]+\] Tests run: [0-9]+, Failures' "$log" | tail -1 || true)
[ -n "$summary" ] || fail "no surefire summary in the Maven output: did the tests run?"
run=$(sed -E 's/.*Tests run: ([0-9]+).*/\1/' <<<"$summary")
[ "$run" -gt 0 ] || fail "Maven ran 0 tests"
echo "ok: $summary"

step "Python: smoke test of the uniffi-generated module"
cp "$LIB" "$GEN/python/"
PYTHONPATH="$GEN/python" python3 bindings/ffi/python/smoke_test.py

step "ffi: all checks passed"
