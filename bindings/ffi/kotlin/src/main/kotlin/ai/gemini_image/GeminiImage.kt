// The hand-written Kotlin layer over the uniffi-generated bindings (package ai.gemini_image):
// suspend functions that run the blocking calls on Dispatchers.IO, a Flow for streams, and
// Image.save. The generated `*Blocking` methods stay available for Java callers and threads
// of your own.
package ai.gemini_image

import java.nio.file.Path
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.launch

/**
 * Where blocking native calls run. Not tied to a caller's scope on purpose: cancelling the
 * caller abandons the call at once (its result is dropped when it returns), instead of
 * waiting for a native call that cannot be interrupted.
 */
private val nativeCalls = CoroutineScope(SupervisorJob() + Dispatchers.IO)

/**
 * Runs [block] on Dispatchers.IO with a fresh [CancelToken]. Cancelling the calling
 * coroutine returns at once (CancellationException) and cancels the token, so the native
 * call stops at its next attempt, retry wait or stream read instead of running on.
 */
internal suspend fun <T> abandonable(block: (CancelToken) -> T): T {
    val token = CancelToken()
    val call = nativeCalls.async { block(token) }
    try {
        return call.await()
    } catch (e: CancellationException) {
        token.cancel()
        call.cancel()
        throw e
    }
}

/**
 * Generates an image. Suspends (the HTTP call runs on [Dispatchers.IO]); cancelling the
 * coroutine abandons the call. Throws [GeminiImageException] (e.g.
 * [GeminiImageException.NoImage] when the model answered without an image).
 */
suspend fun GeminiImageClient.generate(request: ImageRequest): GenerationResult =
    abandonable { generateBlocking(request, it) }

/** Generates an image from a prompt; see [generate]. */
suspend fun GeminiImageClient.generate(
    prompt: String,
    options: ImageOptions = ImageOptions(),
): GenerationResult = generate(ImageRequest(prompt = prompt, options = options))

/** Edits [images] with an instruction; suspends like [generate]. */
suspend fun GeminiImageClient.edit(
    images: List<InputImage>,
    prompt: String,
    options: ImageOptions = ImageOptions(),
): GenerationResult = abandonable { editBlocking(images, prompt, options, it) }

/**
 * Streams a generation: thought texts and images, texts, final images as they arrive, then
 * [StreamEvent.Done] with the merged result. The flow throws the stream's error. Cancelling
 * the collector cancels the stream and abandons the pending read.
 */
fun GeminiImageClient.stream(request: ImageRequest): Flow<StreamEvent> = flow {
    val stream = abandonable { streamBlocking(request, it) }
    val events = Channel<Result<StreamEvent>>(Channel.UNLIMITED)
    val producer = nativeCalls.launch {
        try {
            while (true) {
                val event = stream.next() ?: break
                events.send(Result.success(event))
            }
        } catch (e: GeminiImageException) {
            events.send(Result.failure(e))
        } finally {
            events.close()
        }
    }
    try {
        for (item in events) {
            emit(item.getOrThrow())
        }
    } finally {
        // Normal end: no-op. Cancellation or an error downstream: stop reading.
        stream.cancel()
        producer.cancel()
    }
}

/**
 * Sends a conversation turn (the prompt, then [images]; [options] for this turn only);
 * suspends like [generate]. A failed turn is not recorded.
 */
suspend fun Conversation.send(
    prompt: String,
    images: List<InputImage> = emptyList(),
    options: ImageOptions? = null,
): GenerationResult = abandonable { sendBlocking(prompt, images, options, it) }

/** The first final image (the one to show), or null. */
val GenerationResult.image: Image?
    get() = images.firstOrNull()

/** The file extension for this image's MIME type (`png`, `jpg`, `webp`, …). */
val Image.extension: String
    get() = imageExtension(mimeType)

/**
 * Saves the image at [path] (atomically; missing folders are created). The MIME type's
 * extension is added when [path] has none; an existing file is never replaced unless
 * [overwrite]: the next free name (`fox-2.png`) is used and reported in [SavedImage.renamed].
 * Throws [GeminiImageException.Io] naming the path when it cannot be written.
 */
fun Image.save(path: String, overwrite: Boolean = false): SavedImage = saveImage(this, path, overwrite)

/** [save] to a [Path]. */
fun Image.save(path: Path, overwrite: Boolean = false): SavedImage = save(path.toString(), overwrite)

/** An input image read from a file; its type is detected from the bytes (see [loadImage]). */
fun InputImage.Companion.fromFile(path: Path): InputImage = loadImage(path.toString())
