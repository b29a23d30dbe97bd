// Typed access to the fields every GeminiImageException variant carries.
package ai.gemini_image

/**
 * The fields of a [GeminiImageException], whatever its variant: `when` on the sealed class
 * for the kind, or read these.
 */
data class ErrorFields(
    /** The stable snake_case kind (`rate_limited`, `no_image`, …). */
    val kind: String,
    /** The stable code (`GEMINI_IMAGE_RATE_LIMITED`, …). */
    val code: String,
    /** What went wrong and what to do. */
    val reason: String,
    /** Whether sending the same request again may succeed. */
    val retryable: Boolean,
    /** The HTTP status of the failed response, if any. */
    val httpStatus: Int?,
    /** Google's `error.status`, if given. */
    val status: String?,
    /** The delay the server asked for, in milliseconds. */
    val retryAfterMs: Long?,
    /** For `invalid_request` raised before sending: the option to fix. */
    val field: String?,
    /** For `no_image`: `finishReason`. */
    val finishReason: String?,
    /** For `no_image`: `finishMessage`. */
    val finishMessage: String?,
    /** For `no_image`: `promptFeedback.blockReason`. */
    val blockReason: String?,
    /** For `no_image`: the model's text instead of an image. */
    val text: String?,
    /** For `no_image`: the whole response. */
    val response: GenerationResult?,
    /**
     * What to change, as a stable name (`set_api_key`, `check_api_key`, `check_base_url`,
     * `raise_timeout`, `raise_response_limit`, `retry_later`, `top_up`, `fix_field`,
     * `check_model`, `rephrase`), or null.
     */
    val remedy: String?,
) {
    companion object {
        /** The fields of [e]. */
        fun of(e: GeminiImageException): ErrorFields = when (e) {
            is GeminiImageException.InvalidRequest -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.Authentication -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.PermissionDenied -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.NotFound -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.RateLimited -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.QuotaExhausted -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.Server -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.Timeout -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.Network -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.Decode -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.NoImage -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.ResponseTooLarge -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.Cancelled -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.Io -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
            is GeminiImageException.Internal -> ErrorFields(e.kind, e.code, e.reason, e.retryable, e.httpStatus, e.status, e.retryAfterMs, e.field, e.finishReason, e.finishMessage, e.blockReason, e.text, e.response, e.remedy)
        }
    }
}

/** All fields of this error; see [ErrorFields]. */
val GeminiImageException.fields: ErrorFields get() = ErrorFields.of(this)

/** The stable snake_case kind (`rate_limited`, `no_image`, …). */
val GeminiImageException.kind: String get() = fields.kind

/** Whether sending the same request again may succeed. */
val GeminiImageException.retryable: Boolean get() = fields.retryable
