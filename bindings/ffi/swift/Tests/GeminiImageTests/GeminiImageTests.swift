// XCTest mirror of the Kotlin ClientTest (bindings/ffi/kotlin/src/test): the Swift API end to
// end against the Rust emulator started through the binding.
//
// UNTESTED HERE: no Swift toolchain is reachable from the machines this project is built
// on. Run with `swift test` on a Mac after `bash build-xcframework.sh`.
import Foundation
import XCTest
@testable import GeminiImage

final class GeminiImageTests: XCTestCase {
    private var emulator: TestEmulator!
    private var client: GeminiImageClient!

    override func setUpWithError() throws {
        emulator = try startEmulator(apiKey: nil)
        client = try GeminiImageClient(config: ClientConfig(
            apiKey: "test-key",
            baseUrl: emulator.gatewayUrl(),
            model: "gemini-2.5-flash-image",
            timeoutSeconds: 30.0
        ))
    }

    override func tearDown() {
        emulator.shutdown()
    }

    func testGenerateIsAsyncAndReturnsARealImage() async throws {
        let result = try await client.generate("a red fox in the snow", options: ImageOptions(aspectRatio: "16:9"))
        let image = try XCTUnwrap(result.image)
        XCTAssertEqual(image.mimeType, "image/png")
        XCTAssertEqual(Array(image.data.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertEqual(image.width, 1344)
        XCTAssertEqual(image.height, 768)
        XCTAssertEqual(result.finishReason, "STOP")
        XCTAssertEqual(result.attempts, 1)
        XCTAssertEqual(image.fileExtension, "png")
    }

    func testEditSendsTheImagesAndReturnsAChangedImage() async throws {
        let source = try XCTUnwrap(try await client.generate("a lighthouse").image)
        let edited = try await client.edit([InputImage(data: source.data, mimeType: nil)], prompt: "make it night")
        let image = try XCTUnwrap(edited.image)
        XCTAssertEqual(image.width, source.width)
        XCTAssertNotEqual(image.data, source.data)
    }

    func testImageSaveWritesTheBytes() async throws {
        let image = try XCTUnwrap(try await client.generate("a paper boat").image)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let saved = try image.save(to: dir.appendingPathComponent("boat"))
        XCTAssertEqual(saved.path, dir.appendingPathComponent("boat.png").path)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: saved.path)), image.data)
        let again = try image.save(to: dir.appendingPathComponent("boat"))
        XCTAssertTrue(again.renamed)
        let loaded = try InputImage(contentsOf: URL(fileURLWithPath: saved.path))
        XCTAssertEqual(loaded.mimeType, "image/png")
    }

    func testStreamIsAnAsyncSequenceEndingWithDone() async throws {
        var kinds: [String] = []
        var last: StreamEvent?
        for try await event in client.stream(ImageRequest(prompt: "a cabin in the woods", images: [], options: ImageOptions())) {
            switch event {
            case .ThoughtText: kinds.append("thought_text")
            case .ThoughtImage: kinds.append("thought_image")
            case .Text: kinds.append("text")
            case .Image: kinds.append("image")
            case .Done: kinds.append("done")
            }
            last = event
        }
        XCTAssertTrue(kinds.contains("image"), "\(kinds)")
        guard case let .Done(result) = last else { return XCTFail("the last event is not Done: \(kinds)") }
        XCTAssertEqual(result.images.count, 1)
    }

    func testAStreamErrorIsThrownTyped() async throws {
        do {
            for try await _ in client.stream(ImageRequest(prompt: "a cabin [[fault:image_safety]]", images: [], options: ImageOptions())) {}
            XCTFail("no error")
        } catch let error as GeminiImageError {
            guard case let .NoImage(_, _, _, _, _, _, _, _, finishReason, _, _, _, _, _) = error else {
                return XCTFail("not NoImage: \(error)")
            }
            XCTAssertEqual(finishReason, "IMAGE_SAFETY")
        }
    }

    func testConversationKeepsHistorySavesAndRestores() async throws {
        let chat = try client.conversation(options: ImageOptions(aspectRatio: "1:1"))
        _ = try await chat.send("a cozy cabin in a snowy forest")
        _ = try await chat.send("now at dusk")
        let history = chat.history()
        XCTAssertEqual(history.map(\.role), ["user", "model", "user", "model"])
        let restored = try client.restoreConversation(json: try chat.toJson())
        XCTAssertEqual(restored.history(), history)
        _ = try await restored.send("add a snowman")
        XCTAssertEqual(restored.history().count, 6)
        XCTAssertEqual(chat.history().count, 4)
    }

    func testErrorsAreTypedWithFields() async throws {
        do {
            _ = try await client.generate("a fox [[fault:image_safety]]")
            XCTFail("no error")
        } catch let error as GeminiImageError {
            XCTAssertEqual(error.kind, "no_image")
            XCTAssertEqual(error.fields.code, "GEMINI_IMAGE_NO_IMAGE")
            XCTAssertEqual(error.fields.finishReason, "IMAGE_SAFETY")
            XCTAssertEqual(error.fields.httpStatus, 200)
            XCTAssertNotNil(error.fields.response)
        }
        let noRetry = try GeminiImageClient(config: ClientConfig(apiKey: "test-key", baseUrl: emulator.gatewayUrl(), maxRetries: 0))
        do {
            _ = try await noRetry.generate("a fox [[fault:rate_limit]]")
            XCTFail("no error")
        } catch let error as GeminiImageError {
            guard case .RateLimited = error else { return XCTFail("not RateLimited: \(error)") }
            XCTAssertEqual(error.fields.httpStatus, 429)
            XCTAssertTrue(error.fields.retryable)
            XCTAssertNotNil(error.fields.retryAfterMs)
        }
        do {
            _ = try await client.generate("a fox", options: ImageOptions(aspectRatio: "7:3"))
            XCTFail("no error")
        } catch let error as GeminiImageError {
            XCTAssertEqual(error.kind, "invalid_request")
            XCTAssertEqual(error.fields.field, "aspect_ratio")
        }
    }

    func testBadConfigNamesTheField() throws {
        XCTAssertThrowsError(try GeminiImageClient(config: ClientConfig(apiKey: "k", timeoutSeconds: -1))) { error in
            XCTAssertEqual((error as? GeminiImageError)?.fields.field, "timeout_seconds")
        }
        XCTAssertThrowsError(try GeminiImageClient(config: ClientConfig(apiKey: "k", baseUrl: "ftp://example.com"))) { error in
            XCTAssertEqual((error as? GeminiImageError)?.fields.field, "base_url")
        }
    }

    func testTheKeyNeverShows() async throws {
        let secret = "sk-swift-secret-123456"
        let guarded = try startEmulator(apiKey: "the-right-key")
        defer { guarded.shutdown() }
        let config = ClientConfig(apiKey: secret, baseUrl: guarded.gatewayUrl(), maxRetries: 0)
        let wrong = try GeminiImageClient(config: config)
        do {
            _ = try await wrong.generate("a fox")
            XCTFail("no error")
        } catch let error as GeminiImageError {
            XCTAssertEqual(error.kind, "authentication")
            for text in [String(describing: config), String(describing: wrong), String(describing: error), error.localizedDescription] {
                XCTAssertFalse(text.contains(secret), "the key leaked: \(text)")
            }
        }
    }

    func testRetriesAreReportedToAListener() async throws {
        final class Recorder: RetryListener, @unchecked Sendable {
            private let lock = NSLock()
            private(set) var notices: [RetryNotice] = []
            func onRetry(notice: RetryNotice) {
                lock.lock()
                notices.append(notice)
                lock.unlock()
            }
        }
        let recorder = Recorder()
        let fast = try GeminiImageClient(config: ClientConfig(apiKey: "test-key", baseUrl: emulator.gatewayUrl(), testSkipRetryWaits: true))
            .withRetryListener(listener: recorder)
        let result = try await fast.generate("a kite [[fault:overloaded:1]]")
        XCTAssertEqual(result.attempts, 2)
        XCTAssertEqual(recorder.notices.map(\.kind), ["server"])
        XCTAssertEqual(recorder.notices.first?.httpStatus, 503)
    }

    func testATokenCancelsABlockingCall() throws {
        let token = CancelToken()
        token.cancel()
        XCTAssertThrowsError(try client.generateBlocking(request: ImageRequest(prompt: "a fox", images: [], options: ImageOptions()), cancel: token)) { error in
            XCTAssertEqual((error as? GeminiImageError)?.kind, "cancelled")
        }
    }

    func testCancellingTheTaskAbandonsTheCall() async throws {
        let client = self.client!
        let started = Date()
        let task = Task { try await client.generate("a slow fox [[fault:slow]] [[delay:5000]]") }
        try await Task.sleep(nanoseconds: 200_000_000)
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("not cancelled")
        } catch is CancellationError {}
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
    }
}
