#!/usr/bin/env bash
# Regenerates the committed Swift sources of bindings/ffi/swift from the current Rust FFI
# surface (run after changing bindings/ffi/src; scripts/test-ffi.sh fails while they are stale).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
BUILD_DIR="target/$CARGO_BUILD_TARGET/debug"
case "$(uname -s)" in
  Darwin) LIB="$BUILD_DIR/libgemini_image_ffi.dylib" ;;
  *) LIB="$BUILD_DIR/libgemini_image_ffi.so" ;;
esac
cargo build --locked -p gemini-image-ffi -p uniffi-bindgen
OUT="target/uniffi/swift-commit"
rm -rf "$OUT"
"$BUILD_DIR/uniffi-bindgen" generate --library "$LIB" --language swift --no-format --out-dir "$OUT" >/dev/null
SWIFT=bindings/ffi/swift
mkdir -p "$SWIFT/Sources/GeminiImage/Generated" "$SWIFT/Sources/GeminiImageFFI/include"
cp "$OUT/GeminiImage.swift" "$SWIFT/Sources/GeminiImage/Generated/GeminiImage.swift"
cp "$OUT/GeminiImageFFI.h" "$SWIFT/Sources/GeminiImageFFI/include/GeminiImageFFI.h"
echo "updated $SWIFT/Sources/GeminiImage/Generated/GeminiImage.swift and $SWIFT/Sources/GeminiImageFFI/include/GeminiImageFFI.h"
