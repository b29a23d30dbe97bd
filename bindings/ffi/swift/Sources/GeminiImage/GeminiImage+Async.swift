// The hand-written Swift layer over the uniffi-generated bindings (Generated/GeminiImage.swift):
// async functions that run the blocking calls on a background thread, an
// AsyncThrowingStream for streams, typed error fields, and Image.save.
//
// UNTESTED HERE: no Swift compiler is reachable from the machines this project is built on.
// The generated sources are checked for determinism and freshness in CI; this file and
// Tests/ are written to be compiled and run with `swift test` on an Apple machine.
import Foundation

/// Runs a blocking native call on a background thread with a fresh `CancelToken`.
/// Cancelling the calling task returns at once with `CancellationError` and cancels the
/// token, so the native call stops at its next attempt, retry wait or stream read.
func abandonable<T: Sendable>(_ body: @escaping @Sendable (CancelToken) throws -> T) async throws -> T {
    let box = ContinuationBox<T>()
    let token = CancelToken()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            box.set(continuation)
            DispatchQueue.global(qos: .userInitiated).async {
                box.resume(with: Result { try body(token) })
            }
        }
    } onCancel: {
        token.cancel()
        box.resume(with: .failure(CancellationError()))
    }
}

/// Resumes a continuation exactly once (the call's result or the cancellation, whichever
/// comes first).
final class ContinuationBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?
    private var early: Result<T, Error>?

    func set(_ continuation: CheckedContinuation<T, Error>) {
        lock.lock()
        if let early = early {
            lock.unlock()
            continuation.resume(with: early)
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    func resume(with result: Result<T, Error>) {
        lock.lock()
        guard let continuation = continuation else {
            if early == nil { early = result }
            lock.unlock()
            return
        }
        self.continuation = nil
        early = result // any later resume is ignored
        lock.unlock()
        continuation.resume(with: result)
    }
}

public extension GeminiImageClient {
    /// Generates an image without blocking the caller. Cancelling the task abandons the
    /// call. Throws `GeminiImageError` (`.NoImage` when the model answered without one).
    func generate(_ request: ImageRequest) async throws -> GenerationResult {
        try await abandonable { try self.generateBlocking(request: request, cancel: $0) }
    }

    /// Generates an image from a prompt.
    func generate(_ prompt: String, options: ImageOptions = ImageOptions()) async throws -> GenerationResult {
        try await generate(ImageRequest(prompt: prompt, images: [], options: options))
    }

    /// Edits `images` with an instruction.
    func edit(_ images: [InputImage], prompt: String, options: ImageOptions = ImageOptions()) async throws -> GenerationResult {
        try await abandonable { try self.editBlocking(images: images, prompt: prompt, options: options, cancel: $0) }
    }

    /// Streams a generation: events as they arrive, `.Done` with the merged result last.
    /// Ending the iteration early (or cancelling its task) cancels the stream.
    func stream(_ request: ImageRequest) -> AsyncThrowingStream<StreamEvent, Error> {
        AsyncThrowingStream { continuation in
            let state = StreamBox()
            let token = CancelToken()
            continuation.onTermination = { _ in
                token.cancel() // stops the opening (retries) too
                state.cancel()
            }
            DispatchQueue.global(qos: .userInitiated).async {
                do {
                    let stream = try self.streamBlocking(request: request, cancel: token)
                    guard state.attach(stream) else { return }
                    while let event = try stream.next() {
                        continuation.yield(event)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
    }
}

/// The native stream of an `AsyncThrowingStream`, cancellable from `onTermination`.
final class StreamBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stream: ImageStream?
    private var cancelled = false

    /// Keeps `stream`; false (and cancels it) when the consumer is already gone.
    func attach(_ stream: ImageStream) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if cancelled {
            stream.cancel()
            return false
        }
        self.stream = stream
        return true
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let stream = self.stream
        lock.unlock()
        stream?.cancel()
    }
}

public extension Conversation {
    /// Sends a turn without blocking the caller (`options` for this turn only). A failed
    /// turn is not recorded.
    func send(_ prompt: String, images: [InputImage] = [], options: ImageOptions? = nil) async throws -> GenerationResult {
        try await abandonable { try self.sendBlocking(prompt: prompt, images: images, options: options, cancel: $0) }
    }
}

public extension GenerationResult {
    /// The first final image (the one to show), if any.
    var image: Image? { images.first }
}

public extension Image {
    /// The file extension for this image's MIME type (`png`, `jpg`, …).
    var fileExtension: String { imageExtension(mimeType: mimeType) }

    /// Saves the image at `path` atomically, with the client's naming rule: the MIME
    /// type's extension when `path` has none; an existing file is never replaced unless
    /// `overwrite` (the next free name is used and reported in `renamed`).
    @discardableResult
    func save(_ path: String, overwrite: Bool = false) throws -> SavedImage {
        try saveImage(image: self, path: path, overwrite: overwrite)
    }

    /// `save(_:overwrite:)` to a file URL.
    @discardableResult
    func save(to url: URL, overwrite: Bool = false) throws -> SavedImage {
        try save(url.path, overwrite: overwrite)
    }
}

public extension InputImage {
    /// An input image read from a file; its type is detected from the bytes.
    init(contentsOf url: URL) throws {
        self = try loadImage(path: url.path, field: "image")
    }
}

/// The fields every `GeminiImageError` case carries.
public struct GeminiImageErrorFields: Sendable {
    public let kind: String
    public let code: String
    public let reason: String
    public let retryable: Bool
    public let httpStatus: Int32?
    public let status: String?
    public let retryAfterMs: Int64?
    public let field: String?
    public let finishReason: String?
    public let finishMessage: String?
    public let blockReason: String?
    public let text: String?
    public let response: GenerationResult?
    /// What to change, as a stable name (`raise_timeout`, `fix_field`, …), if anything.
    public let remedy: String?
}

public extension GeminiImageError {
    /// The fields of this error, whatever its case.
    var fields: GeminiImageErrorFields {
        switch self {
        case let .InvalidRequest(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .Authentication(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .PermissionDenied(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .NotFound(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .RateLimited(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .QuotaExhausted(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .Server(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .Timeout(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .Network(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .Decode(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .NoImage(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .ResponseTooLarge(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .Cancelled(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .Io(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy),
             let .Internal(kind, code, reason, retryable, httpStatus, status, retryAfterMs, field, finishReason, finishMessage, blockReason, text, response, remedy):
            return GeminiImageErrorFields(
                kind: kind, code: code, reason: reason, retryable: retryable,
                httpStatus: httpStatus, status: status, retryAfterMs: retryAfterMs, field: field,
                finishReason: finishReason, finishMessage: finishMessage,
                blockReason: blockReason, text: text, response: response,
                remedy: remedy
            )
        }
    }

    /// The stable snake_case kind (`rate_limited`, `no_image`, …).
    var kind: String { fields.kind }
}
