// The shared test vectors (tests/fixtures/cases) sans-IO, a Swift mirror of the Kotlin
// SharedCasesTest's sans-IO half: build the request, compare it, walk the canned responses
// with retryDelayMs, parse, and compare the outcome. (The Kotlin suite also runs every case
// end to end against a loopback server; Foundation has no HTTP server, so that half is
// covered on the JVM only.)
//
// UNTESTED HERE: no Swift toolchain is reachable from the machines this project is built
// on. Set GEMINI_IMAGE_CASES_DIR to the cases folder, or run from the repository checkout.
import Foundation
import XCTest
@testable import GeminiImage

final class SharedCasesTests: XCTestCase {
    private typealias JSON = [String: Any]

    private struct Canned {
        let status: Int32
        let headers: [Header]
        let body: Data
    }

    private var casesDir: URL {
        if let dir = ProcessInfo.processInfo.environment["GEMINI_IMAGE_CASES_DIR"] {
            return URL(fileURLWithPath: dir)
        }
        // Tests/GeminiImageTests/ -> bindings/ffi/swift -> repository root
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tests/fixtures/cases")
    }

    func testEverySharedCaseSansIO() throws {
        let files = FileManager.default.enumerator(at: casesDir, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }
            .filter { $0.pathExtension == "json" }
            .sorted { $0.path < $1.path } ?? []
        XCTAssertGreaterThanOrEqual(files.count, 100, "cases not found under \(casesDir.path)")
        var failures: [String] = []
        for file in files {
            let raw = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? JSON)
            let id = raw["id"] as? String ?? file.lastPathComponent
            let problems = (raw["operation"] as? String) == "conversation" ? conversation(raw) : single(raw)
            if !problems.isEmpty {
                failures.append("\(id)\n  " + problems.joined(separator: "\n  "))
            }
        }
        XCTAssertTrue(failures.isEmpty, "\(failures.count) of \(files.count) cases failed:\n" + failures.joined(separator: "\n"))
    }

    // MARK: - input

    private func images(_ input: JSON) -> [InputImage] {
        (input["images"] as? [JSON] ?? []).map {
            InputImage(data: Data(base64Encoded: $0["data_b64"] as? String ?? "") ?? Data(), mimeType: $0["mime_type"] as? String)
        }
    }

    private func options(_ input: JSON) -> ImageOptions {
        let thinking = input["thinking"] as? JSON
        var extra: String?
        if let object = input["extra"], let data = try? JSONSerialization.data(withJSONObject: object) {
            extra = String(data: data, encoding: .utf8)
        }
        return ImageOptions(
            model: input["model"] as? String,
            aspectRatio: input["aspect_ratio"] as? String,
            imageSize: input["image_size"] as? String,
            responseModalities: input["response_modalities"] as? [String],
            systemInstruction: input["system_instruction"] as? String,
            safetySettings: (input["safety_settings"] as? [JSON] ?? []).map {
                SafetySetting(category: $0["category"] as? String ?? "", threshold: $0["threshold"] as? String ?? "")
            },
            temperature: (input["temperature"] as? NSNumber)?.doubleValue,
            topP: (input["top_p"] as? NSNumber)?.doubleValue,
            topK: (input["top_k"] as? NSNumber)?.int32Value,
            seed: (input["seed"] as? NSNumber)?.int64Value,
            maxOutputTokens: (input["max_output_tokens"] as? NSNumber)?.int32Value,
            stopSequences: input["stop_sequences"] as? [String],
            candidateCount: (input["candidate_count"] as? NSNumber)?.int32Value,
            thinking: thinking.map {
                ThinkingOptions(
                    includeThoughts: $0["include_thoughts"] as? Bool,
                    thinkingBudget: ($0["thinking_budget"] as? NSNumber)?.int32Value,
                    thinkingLevel: $0["thinking_level"] as? String
                )
            },
            extraJson: extra
        )
    }

    private func endpoint(_ input: JSON, apiKey: String? = nil, model: String? = nil) -> EndpointConfig {
        EndpointConfig(
            apiKey: apiKey ?? input["api_key"] as? String ?? "test-key",
            baseUrl: input["base_url"] as? String,
            model: model,
            maxInlineBytes: (input["max_inline_bytes"] as? NSNumber)?.int64Value
        )
    }

    private func canned(_ list: Any?) -> [Canned] {
        (list as? [JSON] ?? []).map { r in
            let headers = (r["headers"] as? [String: String] ?? [:]).map { Header(name: $0.key, value: $0.value) }
            let status = Int32((r["status"] as? NSNumber)?.intValue ?? 0)
            if let json = r["json"], let data = try? JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]) {
                return Canned(status: status, headers: headers, body: data)
            }
            if let text = r["body_text"] as? String {
                return Canned(status: status, headers: headers, body: Data(text.utf8))
            }
            let eol = r["sse_eol"] as? String ?? "\r\n"
            var body = ""
            for item in r["sse"] as? [Any] ?? [] {
                if let line = item as? String {
                    body += line
                } else if let data = try? JSONSerialization.data(withJSONObject: item), let text = String(data: data, encoding: .utf8) {
                    body += "data: " + text
                }
                body += eol + eol
            }
            return Canned(status: status, headers: headers, body: Data(body.utf8))
        }
    }

    // MARK: - checks

    private func checkRequest(_ want: JSON?, _ got: HttpRequest) -> [String] {
        guard let want = want else { return ["expected the request to be refused, but it was built for \(got.url)"] }
        var problems: [String] = []
        if let url = want["url"] as? String, url != got.url { problems.append("url: expected \(url), got \(got.url)") }
        for (name, value) in want["headers"] as? [String: String] ?? [:] {
            let values = got.headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
            if values != [value] { problems.append("header \(name): expected \(value), got \(values)") }
        }
        let body = (try? JSONSerialization.jsonObject(with: got.body)) as? NSDictionary
        if let expected = want["json"] as? NSDictionary, body != expected {
            problems.append("request body differs")
        }
        return problems
    }

    private func kind(_ event: StreamEvent) -> String {
        switch event {
        case .ThoughtText: return "thought_text"
        case .ThoughtImage: return "thought_image"
        case .Text: return "text"
        case .Image: return "image"
        case .Done: return "done"
        }
    }

    private func checkOutcome(_ expect: JSON?, _ expectError: JSON?, _ result: Result<GenerationResult, Error>, attempts: Int, events: [String]?) -> [String] {
        var problems: [String] = []
        var response: GenerationResult?
        switch result {
        case let .success(r):
            if let e = expectError { problems.append("expected error \(e["kind"] ?? ""), got success") }
            response = r
        case let .failure(error):
            guard let e = error as? GeminiImageError else { return ["unexpected error \(error)"] }
            let f = e.fields
            response = f.response
            if let want = expectError {
                if let k = want["kind"] as? String, k != f.kind { problems.append("kind: expected \(k), got \(f.kind)") }
                if let field = want["field"] as? String, field != f.field { problems.append("field: expected \(field), got \(f.field ?? "nil")") }
                if let status = (want["http_status"] as? NSNumber)?.int32Value, status != f.httpStatus {
                    problems.append("http_status: expected \(status), got \(String(describing: f.httpStatus))")
                }
                if let retryable = want["retryable"] as? Bool, retryable != f.retryable { problems.append("retryable: expected \(retryable)") }
                if let ms = (want["retry_after_ms"] as? NSNumber)?.int64Value, ms != f.retryAfterMs { problems.append("retry_after_ms: expected \(ms)") }
                if let reason = want["finish_reason"] as? String, reason != f.finishReason { problems.append("finish_reason: expected \(reason)") }
                if let block = want["block_reason"] as? String, block != f.blockReason { problems.append("block_reason: expected \(block)") }
            } else {
                problems.append("expected success, got \(e)")
            }
        }
        for o in [expect, expectError].compactMap({ $0 }) {
            if let want = (o["attempts"] as? NSNumber)?.intValue, want != attempts { problems.append("attempts: expected \(want), got \(attempts)") }
            if let want = o["events"] as? [String], want != (events ?? []) { problems.append("events: expected \(want), got \(events ?? [])") }
        }
        if let expect = expect, let r = response {
            if let want = expect["images"] as? [JSON] {
                let got = r.images.map { ["mime_type": $0.mimeType, "data_b64": $0.data.base64EncodedString()] }
                if got != want.map({ ["mime_type": $0["mime_type"] as? String ?? "", "data_b64": $0["data_b64"] as? String ?? ""] }) {
                    problems.append("images differ")
                }
            }
            if let want = expect["text"] as? String, want != r.text { problems.append("text: expected \(want), got \(r.text)") }
            if let want = expect["finish_reason"] as? String, want != r.finishReason { problems.append("finish_reason: expected \(want)") }
            if let want = expect["thought_signatures"] as? [String], want != r.thoughtSignatures { problems.append("thought_signatures differ") }
            if let want = expect["model_version"] as? String, want != r.modelVersion { problems.append("model_version: expected \(want)") }
        }
        return problems
    }

    // MARK: - runners

    private func parseStream(_ body: Data) -> (Result<GenerationResult, Error>, [String]) {
        let parser = StreamParser()
        var kinds: [String] = []
        do {
            var offset = 0
            while offset < body.count {
                let end = min(body.count, offset + 7)
                try parser.feed(bytes: body.subdata(in: offset..<end)).forEach { kinds.append(kind($0)) }
                offset = end
            }
        } catch {
            return (.failure(error), kinds)
        }
        do {
            let events = try parser.finish(requireImage: true)
            events.forEach { kinds.append(kind($0)) }
            guard case let .Done(result)? = events.last else { return (.failure(CancellationError()), kinds) }
            return (.success(result), kinds)
        } catch {
            if case .NoImage? = error as? GeminiImageError { kinds.append("done") }
            return (.failure(error), kinds)
        }
    }

    private func walk(stream: Bool, _ responses: [Canned], finish: (Canned) -> Result<GenerationResult, Error>) -> (Result<GenerationResult, Error>, Int, [String]?, [String]) {
        var problems: [String] = []
        var attempts = 0
        var result: Result<GenerationResult, Error> = .failure(CancellationError())
        var events: [String]?
        for response in responses {
            attempts += 1
            if stream && (200..<300).contains(response.status) {
                let (r, kinds) = parseStream(response.body)
                result = r
                events = kinds
                break
            }
            let delay = try? retryDelayMs(attempt: Int32(attempts), status: response.status, headers: response.headers, body: response.body, jitter: 0)
            if delay == nil || delay! == nil {
                result = finish(response)
                break
            }
        }
        if attempts < responses.count { problems.append("stopped after \(attempts) of \(responses.count) responses") }
        return (result, attempts, events, problems)
    }

    private func single(_ raw: JSON) -> [String] {
        let input = raw["input"] as? JSON ?? [:]
        let isStream = (raw["operation"] as? String) == "stream"
        let request = ImageRequest(prompt: input["prompt"] as? String ?? "", images: images(input), options: options(input))
        let built: HttpRequest
        do {
            built = try buildRequest(endpoint: endpoint(input), request: request, call: isStream ? .stream : .generate)
        } catch {
            var problems = raw["expect_request"] == nil ? [] : ["building the request failed: \(error)"]
            problems += checkOutcome(raw["expect"] as? JSON, raw["expect_error"] as? JSON, .failure(error), attempts: 0, events: nil)
            return problems
        }
        var problems = checkRequest(raw["expect_request"] as? JSON, built)
        let (result, attempts, events, walkProblems) = walk(stream: isStream, canned(raw["responses"])) { r in
            Result { try parseResponse(status: r.status, headers: r.headers, body: r.body, requireImage: true) }
        }
        problems += walkProblems
        problems += checkOutcome(raw["expect"] as? JSON, raw["expect_error"] as? JSON, result, attempts: attempts, events: events)
        return problems
    }

    private func conversation(_ raw: JSON) -> [String] {
        let config = raw["config"] as? JSON ?? [:]
        guard let chat = try? SansIoConversation(
            endpoint: endpoint(config, apiKey: raw["api_key"] as? String, model: raw["model"] as? String),
            options: options(config)
        ) else { return ["the conversation options are refused"] }
        var problems: [String] = []
        for (index, turn) in (raw["turns"] as? [JSON] ?? []).enumerated() {
            let input = turn["input"] as? JSON ?? [:]
            var turnProblems: [String] = []
            do {
                let http = try chat.beginTurn(prompt: input["prompt"] as? String ?? "", images: images(input))
                turnProblems += checkRequest(turn["expect_request"] as? JSON, http)
                let (result, attempts, _, walkProblems) = walk(stream: false, canned(turn["responses"])) { r in
                    Result { try chat.completeTurn(status: r.status, headers: r.headers, body: r.body) }
                }
                turnProblems += walkProblems
                turnProblems += checkOutcome(turn["expect"] as? JSON, turn["expect_error"] as? JSON, result, attempts: attempts, events: nil)
            } catch {
                turnProblems += checkOutcome(turn["expect"] as? JSON, turn["expect_error"] as? JSON, .failure(error), attempts: 0, events: nil)
            }
            problems += turnProblems.map { "turn \(index + 1): \($0)" }
        }
        return problems
    }
}
