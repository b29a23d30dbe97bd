// Loading and checking the shared test vectors (tests/fixtures/cases, schema in
// tests/fixtures/README.md) from Kotlin: the same checks as the Rust runner
// (tests/conformance), on the values the Kotlin binding returns.
package ai.gemini_image

import com.google.gson.JsonArray
import com.google.gson.JsonElement
import com.google.gson.JsonNull
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import com.google.gson.JsonPrimitive
import java.io.File
import java.util.Base64

const val STREAM_PIECE = 7

/** One canned HTTP response, rendered to bytes. */
class Canned(val status: Int, val headers: List<Pair<String, String>>, val body: ByteArray, val isSse: Boolean) {
    val headerList: List<Header> get() = headers.map { Header(it.first, it.second) }
}

class CaseTurn(
    val input: JsonObject,
    val expectRequest: JsonObject?,
    val responses: List<Canned>,
    val expect: JsonObject?,
    val expectError: JsonObject?,
)

class Case(
    val id: String,
    val description: String,
    val operation: String,
    val input: JsonObject,
    val expectRequest: JsonObject?,
    val responses: List<Canned>,
    val expect: JsonObject?,
    val expectError: JsonObject?,
    // conversation only
    val model: String?,
    val apiKey: String,
    val config: JsonObject,
    val turns: List<CaseTurn>,
) {
    override fun toString() = id
}

fun JsonObject.str(key: String): String? = get(key)?.takeUnless { it.isJsonNull }?.asString
fun JsonObject.obj(key: String): JsonObject? = get(key)?.takeIf { it.isJsonObject }?.asJsonObject
fun JsonObject.arr(key: String): JsonArray = get(key)?.takeIf { it.isJsonArray }?.asJsonArray ?: JsonArray()

fun casesDir(): File {
    val dir = System.getProperty("gemini_image.cases_dir")
        ?: error("the system property gemini_image.cases_dir (the tests/fixtures/cases folder) is not set")
    return File(dir)
}

fun loadCases(): List<Case> {
    val root = casesDir()
    val files = root.walkTopDown().filter { it.isFile && it.name.endsWith(".json") }.sortedBy { it.path }.toList()
    check(files.isNotEmpty()) { "no cases under $root" }
    return files.map { file ->
        val raw = JsonParser.parseString(file.readText()).asJsonObject
        val id = raw.str("id")!!
        val expectedId = file.relativeTo(root).path.removeSuffix(".json").replace(File.separatorChar, '/')
        check(id == expectedId) { "$file: id $id does not match its path" }
        val operation = raw.str("operation") ?: "generate"
        fun responses(o: JsonObject) = o.arr("responses").map { render(it.asJsonObject) }
        Case(
            id = id,
            description = raw.str("description") ?: "",
            operation = operation,
            input = raw.obj("input") ?: JsonObject(),
            expectRequest = raw.obj("expect_request"),
            responses = responses(raw),
            expect = raw.obj("expect"),
            expectError = raw.obj("expect_error"),
            model = raw.str("model"),
            apiKey = raw.str("api_key") ?: "test-key",
            config = raw.obj("config") ?: JsonObject(),
            turns = raw.arr("turns").map {
                val t = it.asJsonObject
                CaseTurn(t.obj("input")!!, t.obj("expect_request"), responses(t), t.obj("expect"), t.obj("expect_error"))
            },
        )
    }
}

fun render(r: JsonObject): Canned {
    val headers = r.obj("headers")?.entrySet()?.map { it.key to it.value.asString } ?: emptyList()
    val status = r.get("status").asInt
    return when {
        r.has("json") -> Canned(status, headers, r.get("json").toString().toByteArray(), false)
        r.has("body_text") -> Canned(status, headers, r.str("body_text")!!.toByteArray(), false)
        else -> {
            val eol = r.str("sse_eol") ?: "\r\n"
            val body = StringBuilder()
            for (item in r.arr("sse")) {
                if (item.isJsonPrimitive) body.append(item.asString) else body.append("data: ").append(item.toString())
                body.append(eol).append(eol)
            }
            Canned(status, headers, body.toString().toByteArray(), true)
        }
    }
}

// ------------------------------------------------------------------------------------------
// input -> binding types

fun b64(data: ByteArray): String = Base64.getEncoder().encodeToString(data)

fun imagesOf(input: JsonObject): List<InputImage> = input.arr("images").map {
    val o = it.asJsonObject
    InputImage(data = Base64.getDecoder().decode(o.str("data_b64")!!), mimeType = o.str("mime_type"))
}

/** Every option of an input (or a conversation config) except prompt and images. */
fun optionsOf(input: JsonObject): ImageOptions {
    val thinking = input.obj("thinking")
    return ImageOptions(
        model = input.str("model"),
        aspectRatio = input.str("aspect_ratio"),
        imageSize = input.str("image_size"),
        responseModalities = input.get("response_modalities")?.asJsonArray?.map { it.asString },
        systemInstruction = input.str("system_instruction"),
        safetySettings = input.arr("safety_settings").map {
            SafetySetting(it.asJsonObject.str("category")!!, it.asJsonObject.str("threshold")!!)
        },
        temperature = input.get("temperature")?.asDouble,
        topP = input.get("top_p")?.asDouble,
        topK = input.get("top_k")?.asInt,
        seed = input.get("seed")?.asLong,
        maxOutputTokens = input.get("max_output_tokens")?.asInt,
        stopSequences = input.get("stop_sequences")?.asJsonArray?.map { it.asString },
        candidateCount = input.get("candidate_count")?.asInt,
        thinking = thinking?.let {
            ThinkingOptions(
                includeThoughts = it.get("include_thoughts")?.asBoolean,
                thinkingBudget = it.get("thinking_budget")?.asInt,
                thinkingLevel = it.str("thinking_level"),
            )
        },
        extraJson = input.obj("extra")?.toString(),
    )
}

fun requestOf(input: JsonObject): ImageRequest =
    ImageRequest(prompt = input.str("prompt") ?: "", images = imagesOf(input), options = optionsOf(input))

// ------------------------------------------------------------------------------------------
// comparisons

fun jsonDiff(path: String, want: JsonElement, got: JsonElement, out: MutableList<String>) {
    when {
        want.isJsonObject && got.isJsonObject -> {
            val w = want.asJsonObject
            val g = got.asJsonObject
            for ((k, v) in w.entrySet()) {
                val gv = g.get(k)
                if (gv == null) out += "$path.$k: missing (expected $v)" else jsonDiff("$path.$k", v, gv, out)
            }
            for ((k, v) in g.entrySet()) if (!w.has(k)) out += "$path.$k: unexpected $v"
        }
        want.isJsonArray && got.isJsonArray -> {
            val w = want.asJsonArray
            val g = got.asJsonArray
            for (i in 0 until minOf(w.size(), g.size())) jsonDiff("$path[$i]", w[i], g[i], out)
            if (w.size() != g.size()) out += "$path: expected ${w.size()} items, got ${g.size()}"
        }
        want.isJsonPrimitive && got.isJsonPrimitive && want.asJsonPrimitive.isNumber && got.asJsonPrimitive.isNumber -> {
            if (want.asDouble != got.asDouble) out += "$path: expected $want, got $got"
        }
        else -> if (want != got) out += "$path: expected ${short(want)}, got ${short(got)}"
    }
}

private fun short(e: JsonElement): String = e.toString().let { if (it.length > 160) it.take(160) + "…" else it }

fun diff(what: String, want: JsonElement, got: JsonElement): List<String> {
    val out = mutableListOf<String>()
    jsonDiff(what, want, got, out)
    return if (out.isEmpty()) emptyList() else listOf("$what differs:\n      " + out.take(25).joinToString("\n      "))
}

fun pathAndQuery(url: String): String {
    val rest = url.substringAfter("://", url)
    if (rest === url && !url.contains("://")) return url
    val i = rest.indexOf('/')
    return if (i < 0) "/" else rest.substring(i)
}

/** A request as sent (sans-IO: built; end to end: recorded by the loopback server). */
class Observed(val method: String, val url: String, val headers: List<Pair<String, String>>, val body: ByteArray)

fun checkRequest(expected: JsonObject, actual: Observed, exactUrl: Boolean): List<String> {
    val problems = mutableListOf<String>()
    val method = expected.str("method") ?: "POST"
    if (!actual.method.equals(method, ignoreCase = true)) problems += "request method: expected $method, got ${actual.method}"
    val url = expected.str("url") ?: ""
    val (want, got) = if (exactUrl) url to actual.url else pathAndQuery(url) to pathAndQuery(actual.url)
    if (want != got) problems += "request url:\n    expected $want\n    got      $got"
    fun header(name: String) = actual.headers.filter { it.first.equals(name, ignoreCase = true) }.map { it.second }
    expected.obj("headers")?.entrySet()?.forEach { (name, value) ->
        val got = header(name)
        if (got.size != 1 || got[0] != value.asString) problems += "request header $name: expected ${value.asString}, got $got"
    }
    expected.arr("absent_headers").forEach {
        if (header(it.asString).isNotEmpty()) problems += "request header ${it.asString} must be absent, but it was sent"
    }
    val body = try {
        JsonParser.parseString(String(actual.body, Charsets.UTF_8))
    } catch (e: Exception) {
        problems += "request body is not JSON: $e"
        return problems
    }
    problems += diff("request body", expected.get("json") ?: JsonNull.INSTANCE, body)
    return problems
}

private fun s(v: String?): JsonElement = if (v == null) JsonNull.INSTANCE else JsonPrimitive(v)

private fun imagesJson(images: List<Image>): JsonArray = JsonArray().apply {
    images.forEach { add(JsonObject().apply { addProperty("mime_type", it.mimeType); addProperty("data_b64", b64(it.data)) }) }
}

private fun modalities(list: List<ModalityTokens>): JsonArray = JsonArray().apply {
    list.forEach { add(JsonObject().apply { addProperty("modality", it.modality); addProperty("token_count", it.tokenCount) }) }
}

fun usageJson(u: Usage?): JsonObject = JsonObject().apply {
    if (u == null) return@apply
    u.promptTokenCount?.let { addProperty("prompt_token_count", it) }
    u.cachedContentTokenCount?.let { addProperty("cached_content_token_count", it) }
    u.candidatesTokenCount?.let { addProperty("candidates_token_count", it) }
    u.toolUsePromptTokenCount?.let { addProperty("tool_use_prompt_token_count", it) }
    u.thoughtsTokenCount?.let { addProperty("thoughts_token_count", it) }
    u.totalTokenCount?.let { addProperty("total_token_count", it) }
    add("prompt_tokens_details", modalities(u.promptTokensDetails))
    add("cache_tokens_details", modalities(u.cacheTokensDetails))
    add("candidates_tokens_details", modalities(u.candidatesTokensDetails))
    add("tool_use_prompt_tokens_details", modalities(u.toolUsePromptTokensDetails))
    u.serviceTier?.let { addProperty("service_tier", it) }
    u.trafficType?.let { addProperty("traffic_type", it) }
}

fun checkResponse(expect: JsonObject, r: GenerationResult): List<String> {
    val problems = mutableListOf<String>()
    for ((key, want) in expect.entrySet()) {
        val got: JsonElement = when (key) {
            "images" -> imagesJson(r.images)
            "thought_images" -> imagesJson(r.thoughtImages)
            "text" -> JsonPrimitive(r.text)
            "thought_text" -> JsonPrimitive(r.thoughtText)
            "finish_reason" -> s(r.finishReason)
            "finish_message" -> s(r.finishMessage)
            "block_reason" -> s(r.blockReason)
            "model_version" -> s(r.modelVersion)
            "response_id" -> s(r.responseId)
            "thought_signatures" -> JsonArray().apply { r.thoughtSignatures.forEach { add(it) } }
            "safety_ratings" -> JsonArray().apply {
                r.safetyRatings.forEach { add(JsonObject().apply { addProperty("category", it.category); addProperty("probability", it.probability) }) }
            }
            "usage" -> {
                val all = usageJson(r.usage)
                val got = JsonObject()
                for ((k, v) in want.asJsonObject.entrySet()) {
                    got.add(k, all.get(k) ?: if (v.isJsonArray) JsonArray() else JsonNull.INSTANCE)
                }
                got
            }
            "attempts", "events" -> continue
            else -> {
                problems += "expect.$key is not a known field"
                continue
            }
        }
        problems += diff(key, want, got)
    }
    return problems
}

fun checkError(expect: JsonObject, e: GeminiImageException): List<String> {
    val f = ErrorFields.of(e)
    val problems = mutableListOf<String>()
    for ((key, want) in expect.entrySet()) {
        val got: JsonElement = when (key) {
            "kind" -> JsonPrimitive(f.kind)
            "field" -> s(f.field)
            "http_status" -> f.httpStatus?.let { JsonPrimitive(it) } ?: JsonNull.INSTANCE
            "status" -> s(f.status)
            "retryable" -> JsonPrimitive(f.retryable)
            "retry_after_ms" -> f.retryAfterMs?.let { JsonPrimitive(it) } ?: JsonNull.INSTANCE
            "message_contains" -> {
                val needle = want.asString
                if (!f.reason.contains(needle) && !e.toString().contains(needle)) {
                    problems += "error message should contain \"$needle\", got \"$e\""
                }
                continue
            }
            "finish_reason" -> s(f.finishReason)
            "finish_message" -> s(f.finishMessage)
            "block_reason" -> s(f.blockReason)
            "text" -> s(f.text)
            "attempts" -> continue
            else -> {
                problems += "expect_error.$key is not a known field"
                continue
            }
        }
        val out = mutableListOf<String>()
        jsonDiff("error.$key", want, got, out)
        problems += out
    }
    return problems
}

/** What a call returned: the result or the error, the attempts, and (streams) the events. */
class Outcome(val result: Result<GenerationResult>, val attempts: Int, val events: List<String>?)

fun checkOutcome(expect: JsonObject?, expectError: JsonObject?, outcome: Outcome): List<String> {
    val problems = mutableListOf<String>()
    val error = outcome.result.exceptionOrNull()
    val response: GenerationResult? = when (error) {
        null -> {
            if (expectError != null) problems += "expected error ${expectError.get("kind")}, got success (${outcome.result.getOrNull()?.images?.size} image(s))"
            outcome.result.getOrNull()
        }
        is GeminiImageException -> {
            if (expectError != null) problems += checkError(expectError, error) else problems += "expected success, got error: $error"
            ErrorFields.of(error).response
        }
        else -> {
            problems += "unexpected exception: $error"
            null
        }
    }
    for (o in listOfNotNull(expect, expectError)) {
        o.get("attempts")?.let { if (it.asInt != outcome.attempts) problems += "attempts: expected $it, got ${outcome.attempts}" }
        o.get("events")?.let {
            val got = outcome.events?.let { ev -> JsonArray().apply { ev.forEach { k -> add(k) } } } ?: JsonNull.INSTANCE
            if (got != it) problems += "events: expected $it, got $got"
        }
    }
    if (expect != null) {
        val needsResponse = expect.keySet().any { it != "attempts" && it != "events" }
        when {
            response != null -> problems += checkResponse(expect, response)
            needsResponse -> problems += "expect lists response fields, but no response was parsed"
        }
    }
    return problems
}

fun eventKind(e: StreamEvent): String = when (e) {
    is StreamEvent.ThoughtText -> "thought_text"
    is StreamEvent.ThoughtImage -> "thought_image"
    is StreamEvent.Text -> "text"
    is StreamEvent.Image -> "image"
    is StreamEvent.Done -> "done"
}
