// swift-tools-version:5.9
// The Swift package of gemini-image: the uniffi-generated bindings plus a small async layer,
// over the Rust core built as an XCFramework (scripts: build-xcframework.sh).
//
// UNTESTED HERE: no Swift toolchain is reachable from the machines this project is built
// on. Build the XCFramework on a Mac first (`bash build-xcframework.sh`), then
// `swift build` / `swift test`.
import PackageDescription

let package = Package(
    name: "GeminiImage",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "GeminiImage", targets: ["GeminiImage"]),
    ],
    targets: [
        // The Rust library (static, per Apple platform), built by build-xcframework.sh.
        .binaryTarget(name: "GeminiImageRust", path: "GeminiImageRust.xcframework"),
        // The C declarations of the FFI (generated header + module map).
        .target(
            name: "GeminiImageFFI",
            dependencies: ["GeminiImageRust"],
            path: "Sources/GeminiImageFFI"
        ),
        // Generated/GeminiImage.swift (uniffi) + the hand-written async layer.
        .target(
            name: "GeminiImage",
            dependencies: ["GeminiImageFFI"],
            path: "Sources/GeminiImage"
        ),
        .testTarget(
            name: "GeminiImageTests",
            dependencies: ["GeminiImage"],
            path: "Tests/GeminiImageTests"
        ),
    ]
)
