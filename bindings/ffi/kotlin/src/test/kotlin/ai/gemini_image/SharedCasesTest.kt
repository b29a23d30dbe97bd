// Every shared test vector, twice: sans-IO (buildRequest / parseResponse / retryDelayMs /
// StreamParser / SansIoConversation, no network) and end to end (the real client against a
// loopback server serving the canned responses). Mirrors tests/conformance (sans-IO) and
// crates/client/tests/fixtures_e2e.rs (end to end).
package ai.gemini_image

import com.google.gson.JsonObject
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.fail

class SharedCasesTest {
    companion object {
        val cases: List<Case> by lazy { loadCases() }
    }

    private fun dynamic(run: (Case) -> List<String>): List<DynamicTest> = cases.map { case ->
        DynamicTest.dynamicTest(case.id) {
            val problems = run(case)
            if (problems.isNotEmpty()) fail("${case.id} (${case.description})\n  " + problems.joinToString("\n  "))
        }
    }

    @Test
    fun `the cases load`() {
        assertTrue(cases.size >= 100, "only ${cases.size} cases found")
    }

    @TestFactory
    fun `sans-IO`(): List<DynamicTest> = dynamic(::runSansIo)

    @TestFactory
    fun `end to end`(): List<DynamicTest> = dynamic(::runEndToEnd)

    /** The runners must not pass vacuously. */
    @Test
    fun `runners detect differences`() {
        fun find(id: String) = cases.first { it.id == id }
        fun altered(case: Case, f: (JsonObject) -> Unit): Case {
            val expect = case.expectRequest!!.deepCopy().also(f)
            return Case(case.id, case.description, case.operation, case.input, expect, case.responses,
                case.expect, case.expectError, case.model, case.apiKey, case.config, case.turns)
        }
        val body = altered(find("generate/gemini25_flash_basic")) {
            it.getAsJsonObject("json").getAsJsonObject("generationConfig")
                .add("responseModalities", com.google.gson.JsonArray().apply { add("IMAGE") })
        }
        assertTrue(runSansIo(body).isNotEmpty(), "sans-IO: body difference not caught")
        assertTrue(runEndToEnd(body).isNotEmpty(), "end to end: body difference not caught")
        val retry = find("retry/503_then_200")
        val short = Case(retry.id, retry.description, retry.operation, retry.input, retry.expectRequest,
            retry.responses.dropLast(1), retry.expect, retry.expectError, null, "test-key", JsonObject(), emptyList())
        assertTrue(runSansIo(short).isNotEmpty(), "sans-IO: missing response not caught")
        assertTrue(runEndToEnd(short).isNotEmpty(), "end to end: missing response not caught")
        val stream = find("stream/three_pro_transcript")
        val events = JsonObject().apply { add("events", com.google.gson.JsonArray().apply { add("image"); add("done") }) }
        val wrongEvents = Case(stream.id, stream.description, stream.operation, stream.input, stream.expectRequest,
            stream.responses, events, null, null, "test-key", JsonObject(), emptyList())
        assertTrue(runSansIo(wrongEvents).isNotEmpty(), "sans-IO: event difference not caught")
        assertTrue(runEndToEnd(wrongEvents).isNotEmpty(), "end to end: event difference not caught")
    }

    // --------------------------------------------------------------------------------------
    // sans-IO

    private fun endpointOf(input: JsonObject, apiKey: String? = null) = EndpointConfig(
        apiKey = apiKey ?: input.str("api_key") ?: "test-key",
        baseUrl = input.str("base_url"),
        model = null,
        maxInlineBytes = input.get("max_inline_bytes")?.asLong,
    )

    /** Feeds a stream body in [piece]-byte pieces; the kinds (with `done`) and the outcome. */
    private fun parseStream(body: ByteArray, piece: Int): Pair<Result<GenerationResult>, List<String>> {
        val parser = StreamParser()
        val kinds = mutableListOf<String>()
        try {
            var i = 0
            while (i < body.size) {
                val end = minOf(body.size, i + piece)
                parser.feed(body.copyOfRange(i, end)).forEach { kinds += eventKind(it) }
                i = end
            }
        } catch (e: GeminiImageException) {
            return Result.failure<GenerationResult>(e) to kinds
        }
        return try {
            val events = parser.finish(requireImage = true)
            events.forEach { kinds += eventKind(it) }
            Result.success((events.last() as StreamEvent.Done).result) to kinds
        } catch (e: GeminiImageException) {
            // no_image is only raised once the body has ended.
            if (e is GeminiImageException.NoImage) kinds += "done"
            Result.failure<GenerationResult>(e) to kinds
        }
    }

    /**
     * Walks the canned responses as a client with the default policy and jitter 0 would:
     * one per attempt, retrying while [retryDelayMs] says so. [finish] turns the last
     * response into the outcome.
     */
    private fun walk(
        stream: Boolean,
        responses: List<Canned>,
        problems: MutableList<String>,
        finish: (Canned) -> Result<GenerationResult>,
    ): Outcome {
        var attempts = 0
        var events: List<String>? = null
        var result: Result<GenerationResult> = Result.failure(IllegalStateException("the case lists no responses"))
        for (response in responses) {
            attempts++
            val streamed = stream && response.status in 200..299
            if (streamed) {
                val (r, kinds) = parseStream(response.body, STREAM_PIECE)
                val (whole, wholeKinds) = parseStream(response.body, Int.MAX_VALUE)
                if (r.isSuccess != whole.isSuccess || (r.isSuccess && kinds != wholeKinds)) {
                    problems += "the stream parses differently in $STREAM_PIECE-byte pieces ($kinds) and whole ($wholeKinds)"
                }
                result = r
                events = kinds
                break
            }
            val delay = retryDelayMs(attempts, response.status, response.headerList, response.body, 0.0)
            if (delay == null) {
                result = finish(response)
                break
            }
            if (attempts == responses.size) {
                problems += "the client retries after attempt $attempts, but the case lists only ${responses.size} response(s)"
                result = finish(response)
            }
        }
        if (attempts < responses.size) problems += "the client stopped after $attempts attempt(s), but the case lists ${responses.size}"
        return Outcome(result, attempts, events)
    }

    private inline fun attempt(block: () -> GenerationResult): Result<GenerationResult> = try {
        Result.success(block())
    } catch (e: GeminiImageException) {
        Result.failure(e)
    }

    private fun runSansIo(case: Case): List<String> =
        if (case.operation == "conversation") conversationSansIo(case) else singleSansIo(case)

    private fun singleSansIo(case: Case): List<String> {
        val problems = mutableListOf<String>()
        val stream = case.operation == "stream"
        val built = try {
            buildRequest(endpointOf(case.input), requestOf(case.input), if (stream) CallKind.STREAM else CallKind.GENERATE)
        } catch (e: GeminiImageException) {
            if (case.expectRequest != null) problems += "expected a request, but building it failed: $e"
            return problems + checkOutcome(case.expect, case.expectError, Outcome(Result.failure(e), 0, null))
        }
        val want = case.expectRequest
        if (want == null) {
            problems += "expected the request to be refused, but it was built for ${built.url}"
        } else {
            problems += checkRequest(want, Observed(built.method, built.url, built.headers.map { it.name to it.value }, built.body), exactUrl = true)
        }
        val outcome = walk(stream, case.responses, problems) { r ->
            attempt { parseResponse(r.status, r.headerList, r.body, requireImage = true) }
        }
        return problems + checkOutcome(case.expect, case.expectError, outcome)
    }

    private fun conversationSansIo(case: Case): List<String> {
        val problems = mutableListOf<String>()
        val conversation = try {
            SansIoConversation(endpointOf(case.config, case.apiKey).copy(model = case.model), optionsOf(case.config))
        } catch (e: GeminiImageException) {
            return listOf("the conversation options are refused: $e")
        }
        case.turns.forEachIndexed { t, turn ->
            val turnProblems = mutableListOf<String>()
            val outcome = try {
                val http = conversation.beginTurn(turn.input.str("prompt") ?: "", imagesOf(turn.input))
                val want = turn.expectRequest
                if (want == null) {
                    turnProblems += "expected the request to be refused, but it was built for ${http.url}"
                } else {
                    turnProblems += checkRequest(want, Observed(http.method, http.url, http.headers.map { it.name to it.value }, http.body), exactUrl = true)
                }
                walk(false, turn.responses, turnProblems) { r ->
                    attempt { conversation.completeTurn(r.status, r.headerList, r.body) }
                }.also { if (it.result.isFailure && turn.responses.isEmpty()) conversation.abortTurn() }
            } catch (e: GeminiImageException) {
                if (turn.expectRequest != null) turnProblems += "expected a request, but building it failed: $e"
                Outcome(Result.failure(e), 0, null)
            }
            turnProblems += checkOutcome(turn.expect, turn.expectError, outcome)
            problems += turnProblems.map { "turn ${t + 1}: $it" }
        }
        return problems
    }

    // --------------------------------------------------------------------------------------
    // end to end

    /** The loopback base URL standing in for a case's `base_url` (same path). */
    private fun loopbackBase(caseBase: String?, loopback: String): String {
        val base = caseBase ?: "https://api.thucchien.ai/gemini"
        val rest = base.removePrefix("https://").removePrefix("http://")
        if (rest == base) return base
        val i = rest.indexOf('/')
        return loopback + (if (i < 0) "" else rest.substring(i))
    }

    private fun clientFor(server: Loopback, input: JsonObject, apiKey: String? = null, model: String? = null) =
        GeminiImageClient(
            ClientConfig(
                apiKey = apiKey ?: input.str("api_key") ?: "test-key",
                baseUrl = loopbackBase(input.str("base_url"), server.url),
                model = model,
                timeoutSeconds = 30.0,
                maxInlineBytes = input.get("max_inline_bytes")?.asLong,
                testSkipRetryWaits = true,
            ),
        )

    /**
     * What the server saw: each attempt's request, the attempt count, and each wait the
     * client reported against the policy's decision for the response that caused it.
     */
    private fun checkExchange(
        expectRequest: JsonObject?,
        responses: List<Canned>,
        requests: List<Observed>,
        outcome: Outcome,
    ): List<String> {
        val problems = mutableListOf<String>()
        if (expectRequest != null) {
            if (requests.isEmpty()) problems += "no request reached the server"
            requests.forEachIndexed { i, got ->
                problems += checkRequest(expectRequest, got, exactUrl = false).map { "attempt ${i + 1}: $it" }
            }
        } else if (requests.isNotEmpty()) {
            problems += "${requests.size} request(s) sent, but the case expects the request to be refused"
        }
        if (requests.size != outcome.attempts) {
            problems += "the server saw ${requests.size} request(s), the client reports ${outcome.attempts} attempt(s)"
        }
        outcome.result.getOrNull()?.let { result ->
            if (result.retryDelaysMs.size + 1 != requests.size.coerceAtLeast(1)) {
                problems += "${result.retryDelaysMs.size} wait(s) for ${requests.size} attempt(s)"
            }
            result.retryDelaysMs.forEachIndexed { i, delay ->
                val r = responses.getOrNull(i) ?: return@forEachIndexed
                val want = retryDelayMs(i + 1, r.status, r.headerList, r.body, 0.0)
                if (want != delay) problems += "wait ${i + 1} was $delay ms; the policy says $want"
            }
        }
        return problems
    }

    private fun runEndToEnd(case: Case): List<String> =
        if (case.operation == "conversation") conversationEndToEnd(case) else singleEndToEnd(case)

    private fun singleEndToEnd(case: Case): List<String> = Loopback().use { server ->
        server.push(case.responses)
        var events: List<String>? = null
        val outcome: Outcome = try {
            val client = clientFor(server, case.input)
            val request = requestOf(case.input)
            val result = if (case.operation == "stream") {
                attempt {
                    val stream = client.streamBlocking(request)
                    // Events exist once the stream is open (not for an HTTP error before it).
                    val kinds = mutableListOf<String>()
                    events = kinds
                    try {
                        var done: GenerationResult? = null
                        while (true) {
                            val event = stream.next() ?: break
                            kinds += eventKind(event)
                            if (event is StreamEvent.Done) done = event.result
                        }
                        done ?: error("the stream ended without Done")
                    } catch (e: GeminiImageException.NoImage) {
                        kinds += "done" // no_image is only raised once the body has ended
                        throw e
                    }
                }
            } else {
                attempt { client.generateBlocking(request) }
            }
            // An error carries no attempt count: the server's count stands in for it.
            Outcome(result, result.getOrNull()?.attempts ?: server.requestCount, events)
        } catch (e: GeminiImageException) {
            Outcome(Result.failure(e), 0, null)
        }
        val problems = checkExchange(case.expectRequest, case.responses, server.takeRequests(), outcome).toMutableList()
        if (server.overflow > 0) problems += "the client asked for more responses than the case lists"
        if (server.unserved > 0) problems += "${server.unserved} canned response(s) were never requested"
        problems + checkOutcome(case.expect, case.expectError, outcome)
    }

    private fun conversationEndToEnd(case: Case): List<String> = Loopback().use { server ->
        val problems = mutableListOf<String>()
        val conversation = try {
            clientFor(server, case.config, case.apiKey, case.model).conversation(optionsOf(case.config))
        } catch (e: GeminiImageException) {
            return@use listOf("the conversation options are refused: $e")
        }
        case.turns.forEachIndexed { t, turn ->
            server.push(turn.responses)
            val result = attempt { conversation.sendBlocking(turn.input.str("prompt") ?: "", imagesOf(turn.input)) }
            val outcome = Outcome(result, result.getOrNull()?.attempts ?: server.requestCount, null)
            val turnProblems = checkExchange(turn.expectRequest, turn.responses, server.takeRequests(), outcome).toMutableList()
            if (server.unserved > 0) turnProblems += "${server.unserved} canned response(s) were never requested"
            turnProblems += checkOutcome(turn.expect, turn.expectError, outcome)
            problems += turnProblems.map { "turn ${t + 1}: $it" }
        }
        if (server.overflow > 0) problems += "the client asked for more responses than the case lists"
        problems
    }
}
