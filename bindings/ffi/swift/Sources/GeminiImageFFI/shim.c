// SwiftPM needs at least one source file in a C target; the declarations are in
// include/GeminiImageFFI.h and the code in the Rust library (GeminiImageRust.xcframework).
