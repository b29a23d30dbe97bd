#!/usr/bin/env bash
# Builds GeminiImageRust.xcframework (static libgemini_image_ffi.a for iOS devices, the iOS
# simulator and macOS) next to Package.swift. Run on a Mac with Xcode and rustup.
# UNTESTED HERE: the project's own machines are Linux without Apple SDKs.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(cd ../../.. && pwd)"
PROFILE="${PROFILE:-release}"
TARGETS=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)

rustup target add "${TARGETS[@]}"
for target in "${TARGETS[@]}"; do
  (cd "$ROOT" && cargo build --locked -p gemini-image-ffi --lib --profile "$PROFILE" --target "$target")
done

dir() { echo "$ROOT/target/$1/$PROFILE"; }
OUT="$ROOT/target/xcframework"
rm -rf "$OUT" GeminiImageRust.xcframework
mkdir -p "$OUT/ios-sim" "$OUT/macos" "$OUT/headers"
# One library per platform: the simulator and macOS slices are fat (arm64 + x86_64).
lipo -create "$(dir aarch64-apple-ios-sim)/libgemini_image_ffi.a" "$(dir x86_64-apple-ios)/libgemini_image_ffi.a" \
  -output "$OUT/ios-sim/libgemini_image_ffi.a"
lipo -create "$(dir aarch64-apple-darwin)/libgemini_image_ffi.a" "$(dir x86_64-apple-darwin)/libgemini_image_ffi.a" \
  -output "$OUT/macos/libgemini_image_ffi.a"
# The headers travel with the library, so an Xcode project can use the XCFramework alone.
cp Sources/GeminiImageFFI/include/GeminiImageFFI.h "$OUT/headers/"
cat > "$OUT/headers/module.modulemap" <<'MAP'
module GeminiImageFFI {
    header "GeminiImageFFI.h"
    export *
}
MAP

xcodebuild -create-xcframework \
  -library "$(dir aarch64-apple-ios)/libgemini_image_ffi.a" -headers "$OUT/headers" \
  -library "$OUT/ios-sim/libgemini_image_ffi.a" -headers "$OUT/headers" \
  -library "$OUT/macos/libgemini_image_ffi.a" -headers "$OUT/headers" \
  -output GeminiImageRust.xcframework
echo "built $(pwd)/GeminiImageRust.xcframework"
