// The Kotlin API end to end against the Rust emulator (started through the binding on a
// free loopback port): suspend functions, Flow, conversations, cancellation, typed errors,
// key redaction, Image.save.
package ai.gemini_image

import java.nio.file.Files
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows

private val PNG_MAGIC = byteArrayOf(0x89.toByte(), 0x50, 0x4E, 0x47)

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientTest {
    private lateinit var emulator: TestEmulator
    private lateinit var client: GeminiImageClient

    @BeforeAll
    fun start() {
        emulator = startEmulator()
        client = GeminiImageClient(
            ClientConfig(apiKey = "test-key", baseUrl = emulator.gatewayUrl(), model = "gemini-2.5-flash-image", timeoutSeconds = 30.0),
        )
    }

    @AfterAll
    fun stop() {
        emulator.close()
    }

    @Test
    fun `generate suspends and returns a real image`() = runBlocking {
        val result = client.generate("a red fox in the snow", ImageOptions(aspectRatio = "16:9"))
        val image = result.image!!
        assertEquals("image/png", image.mimeType)
        assertArrayEquals(PNG_MAGIC, image.data.copyOfRange(0, 4))
        assertEquals(1344, image.width)
        assertEquals(768, image.height)
        assertEquals("STOP", result.finishReason)
        assertEquals(1, result.attempts)
        assertNotNull(result.usage?.totalTokenCount)
        assertEquals("png", imageExtension(image.mimeType))
    }

    @Test
    fun `edit sends the images and returns a changed image`() = runBlocking {
        val source = client.generate("a lighthouse").image!!
        val edited = client.edit(listOf(InputImage(source.data)), "make it night")
        val image = edited.image!!
        assertEquals(source.width, image.width)
        assertFalse(source.data.contentEquals(image.data), "the edit returned the input unchanged")
    }

    @Test
    fun `Image save names files like every front door and never replaces one unasked`() = runBlocking {
        val image = client.generate("a paper boat").image!!
        val dir = Files.createTempDirectory("gemini-image-kotlin")
        val first = image.save(dir.resolve("boat"))
        assertEquals(dir.resolve("boat.png").toString(), first.path)
        assertFalse(first.renamed)
        assertArrayEquals(image.data, Files.readAllBytes(java.nio.file.Paths.get(first.path)))
        val second = image.save(dir.resolve("boat").toString())
        assertTrue(second.renamed)
        assertEquals(dir.resolve("boat-2.png").toString(), second.path)
        val other = client.generate("a paper plane").image!!
        val replaced = other.save(first.path, overwrite = true)
        assertEquals(first.path, replaced.path)
        assertArrayEquals(other.data, Files.readAllBytes(java.nio.file.Paths.get(first.path)))

        val loaded = InputImage.fromFile(java.nio.file.Paths.get(first.path))
        assertEquals("image/png", loaded.mimeType)
        val missing = assertThrows<GeminiImageException.Io> { loadImage(dir.resolve("nope.png").toString()) }
        assertEquals("image", missing.field)
        val blocked = Files.createFile(dir.resolve("a-file"))
        val unwritable = assertThrows<GeminiImageException> { image.save(blocked.resolve("x.png")) }
        assertTrue(unwritable.fields.reason.contains(blocked.toString()), unwritable.fields.reason)
    }

    @Test
    fun `stream is a Flow ending with Done`() = runBlocking {
        val events = client.stream(ImageRequest(prompt = "a cabin in the woods")).toList()
        assertTrue(events.any { it is StreamEvent.Image }, "no image event in ${events.map(::eventKind)}")
        val done = events.last()
        assertInstanceOf(StreamEvent.Done::class.java, done)
        val result = (done as StreamEvent.Done).result
        assertEquals(1, result.images.size)
        assertEquals(1, events.count { it is StreamEvent.Done })
    }

    @Test
    fun `a stream error is thrown by the Flow as a typed exception`() = runBlocking {
        var caught: Throwable? = null
        val events = client.stream(ImageRequest(prompt = "a cabin [[fault:image_safety]]"))
            .catch { caught = it }
            .toList()
        assertInstanceOf(GeminiImageException.NoImage::class.java, caught)
        assertTrue(events.none { it is StreamEvent.Done })
        assertEquals("IMAGE_SAFETY", (caught as GeminiImageException.NoImage).finishReason)
    }

    @Test
    fun `conversation keeps history, saves to JSON and restores`() = runBlocking {
        val chat = client.conversation(ImageOptions(aspectRatio = "1:1"))
        val first = chat.send("a cozy cabin in a snowy forest")
        assertNotNull(first.image)
        chat.send("now at dusk")
        val history = chat.history()
        assertEquals(listOf("user", "model", "user", "model"), history.map { it.role })
        assertEquals("now at dusk", history[2].parts[0].text)
        assertNotNull(history[1].parts.firstNotNullOfOrNull { it.image })

        val json = chat.toJson()
        val restored = client.restoreConversation(json)
        assertEquals(summary(history), summary(restored.history()))
        assertEquals(chat.model(), restored.model())
        restored.send("add a snowman")
        assertEquals(6, restored.history().size)
        assertEquals(4, chat.history().size)

        val bad = assertThrows<GeminiImageException> { client.restoreConversation("{\"nope\": 1}") }
        assertEquals("invalid_request", bad.kind)

        // Options for one turn only, over the conversation's.
        val wide = chat.send("now wider", options = ImageOptions(aspectRatio = "16:9")).image!!
        assertEquals(1344 to 768, wide.width to wide.height)
        val square = chat.send("back to the default").image!!
        assertEquals(1024 to 1024, square.width to square.height)
        assertEquals(4, chat.turnCount())
    }

    /** Turns as comparable text (ByteArray fields compare by reference in data classes). */
    private fun summary(turns: List<Turn>): List<String> = turns.map { turn ->
        turn.role + ": " + turn.parts.joinToString(" | ") { part ->
            listOfNotNull(part.text, part.image?.let { b64(it.data) }, part.thoughtSignature, part.thought.toString()).joinToString(",")
        }
    }

    @Test
    fun `a failed turn is not recorded`() = runBlocking {
        val chat = client.conversation()
        chat.send("a bicycle")
        assertThrows<GeminiImageException.NoImage> { runBlocking { chat.send("a bicycle [[fault:refusal]]") } }
        assertEquals(2, chat.history().size)
    }

    @Test
    fun `errors are sealed classes with typed fields`() = runBlocking {
        val noImage = assertThrows<GeminiImageException.NoImage> { runBlocking { client.generate("a fox [[fault:image_safety]]") } }
        assertEquals("no_image", noImage.kind)
        assertEquals("GEMINI_IMAGE_NO_IMAGE", noImage.code)
        assertEquals("IMAGE_SAFETY", noImage.finishReason)
        assertNotNull(noImage.finishMessage)
        assertEquals(200, noImage.httpStatus)
        assertNotNull(noImage.response)

        val noRetry = GeminiImageClient(ClientConfig(apiKey = "test-key", baseUrl = emulator.gatewayUrl(), maxRetries = 0))
        val limited = assertThrows<GeminiImageException.RateLimited> { runBlocking { noRetry.generate("a fox [[fault:rate_limit]]") } }
        assertEquals(429, limited.httpStatus)
        assertTrue(limited.retryable)
        assertNotNull(limited.retryAfterMs)
        assertEquals("rate_limited", (limited as GeminiImageException).fields.kind)

        val credits = assertThrows<GeminiImageException.QuotaExhausted> { runBlocking { client.generate("a fox [[fault:credits]]") } }
        assertFalse(credits.retryable)

        val invalid = assertThrows<GeminiImageException.InvalidRequest> {
            runBlocking { client.generate("a fox", ImageOptions(aspectRatio = "7:3")) }
        }
        assertEquals("aspect_ratio", invalid.field)
        assertEquals("fix_field", invalid.remedy)
        assertNull(invalid.httpStatus)
        assertEquals("retry_later", limited.remedy)

        val message: String = when (val e: GeminiImageException = invalid) {
            is GeminiImageException.InvalidRequest -> "fix ${e.field}"
            else -> "other: ${e.kind}"
        }
        assertEquals("fix aspect_ratio", message)
    }

    @Test
    fun `retries are counted and the server's delay honoured`() = runBlocking {
        val fast = GeminiImageClient(
            ClientConfig(apiKey = "test-key", baseUrl = emulator.gatewayUrl(), testSkipRetryWaits = true),
        )
        val result = fast.generate("a kite [[fault:overloaded:1]]")
        assertEquals(2, result.attempts)
        assertEquals(1, result.retryDelaysMs.size)

        val notices = java.util.concurrent.CopyOnWriteArrayList<RetryNotice>()
        val told = fast.withRetryListener(object : RetryListener {
            override fun onRetry(notice: RetryNotice) {
                notices += notice
            }
        })
        told.generate("a kite [[fault:overloaded:1]] told")
        told.conversation().send("a boat [[fault:rate_limit:1]]")
        assertEquals(listOf("server", "rate_limited"), notices.map { it.kind })
        assertEquals(listOf(2, 2), notices.map { it.attempt })
        assertEquals(listOf(503, 429), notices.map { it.httpStatus })
        assertTrue(notices[0].summary.contains("retrying in"), notices[0].summary)
        assertTrue(notices[1].delayMs > 0)
    }

    @Test
    fun `bad config names the field`() {
        val timeout = assertThrows<GeminiImageException.InvalidRequest> {
            GeminiImageClient(ClientConfig(apiKey = "k", timeoutSeconds = -1.0))
        }
        assertEquals("timeout_seconds", timeout.field)
        val retries = assertThrows<GeminiImageException.InvalidRequest> {
            GeminiImageClient(ClientConfig(apiKey = "k", maxRetries = -1))
        }
        assertEquals("max_retries", retries.field)
        val url = assertThrows<GeminiImageException.InvalidRequest> {
            GeminiImageClient(ClientConfig(apiKey = "k", baseUrl = "ftp://example.com"))
        }
        assertEquals("base_url", url.field)
        val key = assertThrows<GeminiImageException.InvalidRequest> { GeminiImageClient(ClientConfig(apiKey = " ")) }
        assertEquals("api_key", key.field)
    }

    @Test
    fun `plain http to a remote host and credentials in the base URL are refused`() {
        val insecure = assertThrows<GeminiImageException.InvalidRequest> {
            GeminiImageClient(ClientConfig(apiKey = "k", baseUrl = "http://images.example.com/gemini"))
        }
        assertEquals("base_url", insecure.field)
        assertTrue(insecure.reason.contains("allow", ignoreCase = true), insecure.reason)
        // Explicitly allowed, it builds (nothing is sent until a call).
        GeminiImageClient(ClientConfig(apiKey = "k", baseUrl = "http://images.example.com/gemini", allowInsecureHttp = true))
        val password = "hunter2-secret"
        val credentials = assertThrows<GeminiImageException.InvalidRequest> {
            GeminiImageClient(ClientConfig(apiKey = "k", baseUrl = "https://user:$password@images.example.com/gemini"))
        }
        assertEquals("base_url", credentials.field)
        for (text in listOf(credentials.toString(), credentials.message ?: "", credentials.reason)) {
            assertFalse(text.contains(password), "the password leaked: $text")
        }
    }

    @Test
    fun `the key never shows in toString or error messages`() = runBlocking {
        val secret = "sk-kotlin-secret-123456"
        val guarded = startEmulator(apiKey = "the-right-key")
        try {
            val config = ClientConfig(apiKey = secret, baseUrl = guarded.gatewayUrl(), maxRetries = 0)
            val wrong = GeminiImageClient(config)
            val err = assertThrows<GeminiImageException.Authentication> { runBlocking { wrong.generate("a fox") } }
            assertEquals(401, err.httpStatus)
            for (text in listOf(config.toString(), wrong.toString(), err.toString(), err.message ?: "", err.reason)) {
                assertFalse(text.contains(secret), "the key leaked: $text")
            }
            assertTrue(config.toString().contains("***"), config.toString())
            val http = buildRequest(EndpointConfig(apiKey = secret), ImageRequest(prompt = "a fox"), CallKind.GENERATE)
            assertEquals(secret, http.headers.first { it.name == "x-goog-api-key" }.value)
            assertFalse(http.toString().contains(secret), http.toString())
        } finally {
            guarded.close()
        }
    }

    @Test
    fun `cancelling the coroutine abandons the call`() = runBlocking {
        val started = System.nanoTime()
        val job = async { client.generate("a slow fox [[fault:slow]] [[delay:5000]]") }
        delay(200)
        job.cancel()
        assertThrows<CancellationException> { runBlocking { job.await() } }
        val elapsedMs = (System.nanoTime() - started) / 1_000_000
        assertTrue(elapsedMs < 3000, "cancel took $elapsedMs ms")
    }

    @Test
    fun `cancelling the coroutine stops the native call before its retry`() = runBlocking {
        // Real waits: a 503 makes the client wait 0.5-1 s before retrying; cancelling the
        // coroutine cancels the call's token, which wakes the wait and stops the retry.
        val waiting = GeminiImageClient(ClientConfig(apiKey = "test-key", baseUrl = emulator.gatewayUrl()))
        val before = emulator.requestCount()
        val job = async { waiting.generate("a patient fox [[fault:overloaded:1]]") }
        delay(300)
        job.cancel()
        delay(1500)
        val sent = emulator.requestCount() - before
        assertTrue(sent <= 1, "the retry went out after the cancel ($sent requests)")
    }

    @Test
    fun `a token cancels a blocking call`() {
        val token = CancelToken()
        token.cancel()
        assertTrue(token.isCancelled())
        val err = assertThrows<GeminiImageException.Cancelled> {
            client.generateBlocking(ImageRequest(prompt = "a fox"), token)
        }
        assertEquals("cancelled", err.kind)
    }

    @Test
    fun `cancelling a Flow collector stops the stream`() = runBlocking {
        val started = System.nanoTime()
        val job = launch { client.stream(ImageRequest(prompt = "a slow cabin [[fault:slow_body]] [[delay:8000]]")).toList() }
        delay(300)
        job.cancel()
        job.join()
        assertTrue(job.isCancelled)
        val elapsedMs = (System.nanoTime() - started) / 1_000_000
        assertTrue(elapsedMs < 2500, "cancel took $elapsedMs ms")
    }

    @Test
    fun `calls run concurrently off the caller's thread`() = runBlocking {
        withTimeout(30_000) {
            val results = (1..4).map { i -> async { client.generate("a parallel fox $i") } }.map { it.await() }
            assertEquals(4, results.map { it.image!!.data.size }.size)
        }
        assertTrue(emulator.requestCount() >= 4)
    }
}
