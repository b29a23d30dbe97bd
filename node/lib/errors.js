'use strict'
// Typed errors. The addon throws plain Errors whose message is MARKER + a JSON payload
// (napi drops custom fields on errors that reject a promise from another thread); this
// module turns them into the exported subclasses. One table, keyed by the core's kinds.

const MARKER = 'gemini-image-error:'

/** Base class of every error this package throws. */
class GeminiImageError extends Error {
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    const kind = details.kind ?? 'internal'
    Object.defineProperty(this, 'name', {
      value: new.target.name,
      enumerable: false,
      configurable: true,
      writable: true,
    })
    this.kind = kind
    this.code = details.code ?? `GEMINI_IMAGE_${kind.toUpperCase()}`
    this.statusCode = details.statusCode ?? null
    this.retryable = details.retryable === true
    this.remedy = details.remedy ?? null
    this.status = details.status ?? null
    for (const field of new.target.fields ?? []) {
      this[field] = details[field] ?? null
    }
  }
}
GeminiImageError.fields = []

function subclass(name, fields = []) {
  const cls = {
    [name]: class extends GeminiImageError {},
  }[name]
  cls.fields = fields
  return cls
}

const InvalidRequestError = subclass('InvalidRequestError', ['field'])
const AuthenticationError = subclass('AuthenticationError', ['reason'])
const PermissionDeniedError = subclass('PermissionDeniedError', ['reason'])
const NotFoundError = subclass('NotFoundError', [])
const RateLimitError = subclass('RateLimitError', ['retryAfterMs', 'errorType'])
const QuotaExhaustedError = subclass('QuotaExhaustedError', ['errorType'])
const ServerError = subclass('ServerError', [])
const TimeoutError = subclass('TimeoutError', [])
const NetworkError = subclass('NetworkError', [])
const DecodeError = subclass('DecodeError', [])
const ResponseTooLargeError = subclass('ResponseTooLargeError', [])
const NoImageError = subclass('NoImageError', [
  'finishReason',
  'finishMessage',
  'blockReason',
  'blockReasonMessage',
  'text',
])
const IoError = subclass('IoError', ['field'])
/** Thrown when a call's `signal` aborts; its `name` is `AbortError` like DOM aborts. */
class CancelledError extends GeminiImageError {
  constructor(message, details = {}) {
    super(message, { ...details, kind: 'cancelled', retryable: false })
    Object.defineProperty(this, 'name', {
      value: 'AbortError',
      enumerable: false,
      configurable: true,
      writable: true,
    })
  }
}
CancelledError.fields = []

/** The class for each kind the core reports (its `ErrorKind::as_str()`). */
const ERROR_CLASSES = Object.freeze({
  invalid_request: InvalidRequestError,
  authentication: AuthenticationError,
  permission_denied: PermissionDeniedError,
  not_found: NotFoundError,
  rate_limited: RateLimitError,
  quota_exhausted: QuotaExhaustedError,
  server: ServerError,
  timeout: TimeoutError,
  network: NetworkError,
  decode: DecodeError,
  no_image: NoImageError,
  response_too_large: ResponseTooLargeError,
  cancelled: CancelledError,
  io: IoError,
  internal: GeminiImageError,
})

/** Builds the typed error a payload describes (an unknown kind gets the base class). */
function fromPayload(payload) {
  const cls = ERROR_CLASSES[payload.kind] ?? GeminiImageError
  return new cls(payload.message ?? payload.kind, payload)
}

// napi's own argument errors (a value of the wrong type reached the addon).
const NAPI_ARG_CODES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
])

/** Turns whatever the addon threw into a GeminiImageError. */
function fromNative(err) {
  if (err instanceof GeminiImageError) return err
  const message = typeof err?.message === 'string' ? err.message : String(err)
  const at = message.indexOf(MARKER)
  if (at >= 0) {
    try {
      return fromPayload(JSON.parse(message.slice(at + MARKER.length)))
    } catch {
      // fall through: not a payload after all
    }
  }
  if (NAPI_ARG_CODES.has(err?.code)) {
    return new InvalidRequestError(`invalid_request: ${message}`, {
      kind: 'invalid_request',
      cause: err,
    })
  }
  return new GeminiImageError(`internal: ${message}`, { kind: 'internal', cause: err })
}

function invalid(field, message) {
  return new InvalidRequestError(`invalid_request: ${field}: ${message}`, {
    kind: 'invalid_request',
    field,
  })
}

function cancelled(signal) {
  const reason = signal?.reason
  const why = reason instanceof Error ? `: ${reason.message}` : ''
  return new CancelledError(
    `cancelled: the call was aborted by its signal${why}; nothing to fix unless the abort was unintended`,
    { cause: reason },
  )
}

module.exports = {
  MARKER,
  GeminiImageError,
  InvalidRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  RateLimitError,
  QuotaExhaustedError,
  ServerError,
  TimeoutError,
  NetworkError,
  DecodeError,
  ResponseTooLargeError,
  NoImageError,
  IoError,
  CancelledError,
  ERROR_CLASSES,
  fromPayload,
  fromNative,
  invalid,
  cancelled,
}
