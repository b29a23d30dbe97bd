// Type definitions for gemini-image (the public API; native.d.ts describes the addon).

/** Image bytes with a declared MIME type (checked, and corrected by sniffing). */
export interface LabelledImage {
  data: Buffer | Uint8Array | ArrayBuffer
  mimeType: string
}

/** An image argument: a file path, the image bytes (MIME type sniffed), or labelled bytes. */
export type ImageInput = string | Buffer | Uint8Array | ArrayBuffer | LabelledImage

export type AspectRatio =
  | '1:1' | '1:4' | '1:8' | '2:3' | '3:2' | '3:4' | '4:1' | '4:3' | '4:5' | '5:4'
  | '8:1' | '9:16' | '16:9' | '21:9'

export type ImageSize = '512' | '1K' | '2K' | '4K'

export interface SafetySetting {
  category: string
  threshold: string
}

export interface ThinkingOptions {
  includeThoughts?: boolean
  thinkingBudget?: number
  thinkingLevel?: 'MINIMAL' | 'LOW' | 'MEDIUM' | 'HIGH' | (string & {})
}

/** JSON data (for `extra`). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** Every request option except the prompt and images (camelCase). */
export interface GenerateOptions {
  /** Model id, e.g. `gemini-3-pro-image-preview` (default: the client's). */
  model?: string
  aspectRatio?: AspectRatio | (string & {})
  imageSize?: ImageSize | '1k' | '2k' | '4k'
  /** Default `['TEXT', 'IMAGE']`. */
  responseModalities?: Array<'TEXT' | 'IMAGE'>
  systemInstruction?: string
  safetySettings?: SafetySetting[]
  temperature?: number
  topP?: number
  topK?: number
  seed?: number
  maxOutputTokens?: number
  stopSequences?: string[]
  candidateCount?: number
  thinking?: ThinkingOptions
  /** Raw JSON deep-merged into the request body, for fields not modelled yet. */
  extra?: { [key: string]: JsonValue }
}

export interface CallOptions {
  /** Aborting rejects the call promptly with a `CancelledError` (kind `cancelled`). */
  signal?: AbortSignal
}

export interface GenerateRequest extends GenerateOptions, CallOptions {
  prompt?: string
  /** Input images (edits); one image or a list. */
  images?: ImageInput | ImageInput[]
}

export interface EditRequest extends GenerateOptions, CallOptions {
  prompt: string
  images: ImageInput | ImageInput[]
}

export interface ClientOptions {
  /** Default: `THUCCHIEN_API_KEY`, else `GEMINI_API_KEY`, else `GOOGLE_API_KEY`. */
  apiKey?: string
  /** Default: `GEMINI_IMAGE_BASE_URL`, else the AI Thực Chiến gateway. */
  baseUrl?: string
  /** Default model: `GEMINI_IMAGE_MODEL`, else `gemini-3.1-flash-image`. */
  model?: string
  /** Time limit of one attempt in ms (default 180000). */
  timeoutMs?: number
  /** Connect time limit in ms (default 15000). */
  connectTimeoutMs?: number
  /** Retries after the first attempt (default 2). */
  maxRetries?: number
  /** Largest response accepted, in bytes (default 256 MiB; more is a `ResponseTooLargeError`). */
  maxResponseBytes?: number
  /**
   * Cap on the images (and other inline data) one request carries, checked before sending,
   * in bytes (default 100 MB).
   */
  maxInlineBytes?: number
  userAgent?: string
  /** `http://`, `https://`, `socks5://` proxy URL. */
  proxy?: string
  /**
   * Allow a plain `http://` base URL to a host other than this machine (default false:
   * such a URL would send the API key unencrypted, and the constructor throws an
   * `InvalidRequestError` with `field` `base_url`). Loopback URLs never need it; also set
   * by `GEMINI_IMAGE_ALLOW_INSECURE_HTTP=1`. TLS certificates are always verified.
   */
  allowInsecureHttp?: boolean
  /**
   * Called as each retry starts (before its wait), for every call of this client: a
   * logging hook. It runs on the JavaScript thread; an exception it throws becomes a
   * process warning and never breaks the call.
   */
  onRetry?: (event: RetryEvent) => void
}

/** A retry about to start, as `onRetry` receives it. */
export interface RetryEvent {
  /** The attempt about to be made (2 for the first retry). */
  attempt: number
  /** The most attempts a call makes. */
  maxAttempts: number
  /** How long the client waits first, in ms. */
  delayMs: number
  /** The kind of the failure being retried (`rate_limited`, `server`, ...). */
  kind: ErrorKind
  /** Its HTTP status, when it came from a response. */
  statusCode?: number
  /** Its message (the key masked). */
  message: string
  /** One line: `rate limited (429), retrying in 7 s (attempt 2 of 3)`. */
  summary: string
}

export declare class GeneratedImage {
  /** The image bytes. */
  readonly data: Buffer
  readonly mimeType: string
  readonly width: number | null
  readonly height: number | null
  /** `png`, `jpg`, … for the MIME type. */
  readonly extension: string
  /**
   * Writes the image; a path without an extension gets the MIME type's. An existing file is
   * never replaced unless `overwrite` (the next free name, `x-2.png`, is used). Resolves to
   * the path written.
   */
  save(path: string, options?: { overwrite?: boolean }): Promise<string>
  toJSON(): { mimeType: string; width: number | null; height: number | null; bytes: number }
}

export interface SafetyRating {
  category: string
  probability: string
  blocked: boolean | null
}

export interface ModalityTokenCount {
  modality: string
  tokenCount: number
}

export interface Usage {
  promptTokenCount?: number
  cachedContentTokenCount?: number
  candidatesTokenCount?: number
  toolUsePromptTokenCount?: number
  thoughtsTokenCount?: number
  totalTokenCount?: number
  promptTokensDetails?: ModalityTokenCount[]
  cacheTokensDetails?: ModalityTokenCount[]
  candidatesTokensDetails?: ModalityTokenCount[]
  toolUsePromptTokensDetails?: ModalityTokenCount[]
  serviceTier?: string
  trafficType?: string
}

export declare class GenerateResult {
  /** The final images, in order. */
  readonly images: GeneratedImage[]
  /** The first final image, or null. */
  readonly image: GeneratedImage | null
  /** The model's non-thought text ('' when none). */
  readonly text: string
  readonly thoughtImages: GeneratedImage[]
  /** Thought summaries ('' when none). */
  readonly thoughts: string
  readonly finishReason: string | null
  readonly finishMessage: string | null
  readonly blockReason: string | null
  readonly safetyRatings: SafetyRating[]
  readonly usage: Usage | null
  readonly modelVersion: string | null
  readonly responseId: string | null
  readonly thoughtSignatures: string[]
}

export type StreamEvent =
  | { type: 'thought_text'; text: string }
  | { type: 'text'; text: string }
  | { type: 'thought_image'; image: GeneratedImage }
  | { type: 'image'; image: GeneratedImage }
  | { type: 'done'; result: GenerateResult }

export declare class ImageStream implements AsyncIterableIterator<StreamEvent> {
  next(): Promise<IteratorResult<StreamEvent, undefined>>
  return(): Promise<IteratorResult<StreamEvent, undefined>>
  [Symbol.asyncIterator](): ImageStream
  /** Reads to the end and resolves to the final result. */
  result(): Promise<GenerateResult>
}

/** One part of a turn in a chat history (wire shape; images in base64). */
export interface HistoryPart {
  text?: string
  inlineData?: { mimeType: string; data: string }
  fileData?: { mimeType?: string; fileUri: string }
  thought?: boolean
  thoughtSignature?: string
}

export interface HistoryTurn {
  role: 'user' | 'model'
  parts: HistoryPart[]
}

/** A saved conversation (`JSON.stringify(chat)`). */
export interface SavedChat {
  version: 1
  model: string
  options: GenerateOptions
  keepLastImages?: number | null
  history: HistoryTurn[]
}

export interface ChatOptions extends GenerateOptions {
  /** Send only the newest N model images back with each turn. */
  keepLastImages?: number
}

export declare class Chat {
  /** Sends a turn; the history is updated only when the answer carries an image. */
  send(turn: string | GenerateRequest): Promise<GenerateResult>
  readonly history: HistoryTurn[]
  readonly model: string
  toJSON(): SavedChat
}

export type BatchItem =
  | { index: number; ok: true; result: GenerateResult }
  | { index: number; ok: false; error: GeminiImageError }

export interface BatchOptions extends CallOptions {
  /** Requests in flight at once (default 4). */
  concurrency?: number
  /** Called as each item finishes (in completion order). */
  onResult?: (item: BatchItem) => void | Promise<void>
}

export declare class Client {
  constructor(options?: ClientOptions)
  readonly baseUrl: string
  readonly model: string
  generate(request: string | GenerateRequest): Promise<GenerateResult>
  edit(request: EditRequest): Promise<GenerateResult>
  stream(request: string | GenerateRequest): ImageStream
  chat(options?: ChatOptions): Chat
  restoreChat(saved: string | SavedChat): Chat
  /** Results in input order, with per-item errors. */
  batch(requests: Array<string | GenerateRequest>, options?: BatchOptions): Promise<BatchItem[]>
  toJSON(): { baseUrl: string; model: string }
}

export interface HttpRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: Buffer
}

export interface BuildRequestOptions extends GenerateOptions {
  apiKey: string
  baseUrl?: string
  maxInlineBytes?: number
  /** Build a `streamGenerateContent?alt=sse` request. */
  stream?: boolean
  prompt?: string
  images?: ImageInput | ImageInput[]
}

export type HeadersInput =
  | Record<string, string | string[] | undefined>
  | Iterable<[string, string]>
  | { entries(): Iterable<[string, string]>; get(name: string): string | null }

export type BodyInput = Buffer | Uint8Array | ArrayBuffer | string

export declare function buildRequest(options: BuildRequestOptions): HttpRequest
export declare function parseResponse(
  status: number,
  headers: HeadersInput | null | undefined,
  body: BodyInput,
  options?: { raw?: boolean },
): GenerateResult
export declare function retryDelayMs(
  attempt: number,
  status: number,
  headers: HeadersInput | null | undefined,
  body: BodyInput,
  options?: { maxAttempts?: number; jitter?: number },
): number | null

export declare class StreamParser {
  feed(chunk: BodyInput): StreamEvent[]
  finish(options?: { raw?: boolean }): StreamEvent[]
}

export interface TurnRequest extends GenerateOptions {
  apiKey: string
  baseUrl?: string
  maxInlineBytes?: number
  prompt?: string
  images?: ImageInput | ImageInput[]
}

/** A multi-turn conversation without IO: you send each turn's request yourself. */
export declare class Conversation {
  constructor(options?: ChatOptions)
  static fromJSON(saved: string | SavedChat): Conversation
  /** The request of a new turn (the whole history included). */
  beginTurn(turn: TurnRequest): HttpRequest
  /** The answer to the pending turn; throws (and drops the turn) on an error or no image. */
  completeTurn(status: number, headers: HeadersInput | null | undefined, body: BodyInput): GenerateResult
  abortTurn(): void
  readonly history: HistoryTurn[]
  toJSON(): SavedChat
}

export interface EmulatorOptions {
  /** 0 or unset: a free port. */
  port?: number
  /** Accept only this key (default: any). */
  apiKey?: string
  latencyMs?: number
  /** Honour `[[fault:…]]` prompt tokens (default true). */
  faults?: boolean
  /** Memory for cached images, in bytes (default 512 MiB; 0 keeps only the latest). */
  cacheBytes?: number
}

export interface EmulatorHandle {
  /** `http://127.0.0.1:PORT` (Google's URL shape). */
  readonly baseUrl: string
  /** `http://127.0.0.1:PORT/gemini` (the gateway's URL shape). */
  readonly gatewayUrl: string
  requestCount(): number
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

export declare function startEmulator(options?: EmulatorOptions): Promise<EmulatorHandle>

/** Runs the `gemini-image` command (args without the program name); resolves to its exit code. */
export declare function runCli(args?: string[]): Promise<number>

export declare const DEFAULT_MODEL: string
export declare const version: string

export type ErrorKind =
  | 'invalid_request' | 'authentication' | 'permission_denied' | 'not_found'
  | 'rate_limited' | 'quota_exhausted' | 'server' | 'timeout' | 'network' | 'decode'
  | 'no_image' | 'response_too_large' | 'cancelled' | 'io' | 'internal'

export declare class GeminiImageError extends Error {
  /** The core's stable kind, e.g. `rate_limited`. */
  readonly kind: ErrorKind
  /** e.g. `GEMINI_IMAGE_RATE_LIMITED`. */
  readonly code: string
  /** The HTTP status, when the error came from a response. */
  readonly statusCode: number | null
  /** Whether the same call may succeed later. */
  readonly retryable: boolean
  /**
   * What to change to succeed, when there is something: `set_api_key`, `check_api_key`,
   * `check_base_url`, `raise_timeout`, `raise_response_limit`, `retry_later`, `top_up`,
   * `fix_field`, `check_model`, `rephrase`. The message says it in words.
   */
  readonly remedy: string | null
  /** Google's `error.status` (e.g. `RESOURCE_EXHAUSTED`), when the server sent one. */
  readonly status: string | null
}
export declare class InvalidRequestError extends GeminiImageError {
  /** The offending option, e.g. `aspect_ratio` or `images[1]`. */
  readonly field: string | null
}
export declare class AuthenticationError extends GeminiImageError {
  readonly reason: string | null
}
export declare class PermissionDeniedError extends GeminiImageError {
  readonly reason: string | null
}
export declare class NotFoundError extends GeminiImageError {}
export declare class RateLimitError extends GeminiImageError {
  /** The delay the server asked for, if any. */
  readonly retryAfterMs: number | null
  readonly errorType: string | null
}
export declare class QuotaExhaustedError extends GeminiImageError {
  readonly errorType: string | null
}
export declare class ServerError extends GeminiImageError {}
export declare class TimeoutError extends GeminiImageError {}
export declare class NetworkError extends GeminiImageError {}
export declare class DecodeError extends GeminiImageError {}
export declare class ResponseTooLargeError extends GeminiImageError {}
export declare class NoImageError extends GeminiImageError {
  readonly finishReason: string | null
  readonly finishMessage: string | null
  readonly blockReason: string | null
  readonly blockReasonMessage: string | null
  /** The model's text instead of an image (often a refusal). */
  readonly text: string | null
}
export declare class IoError extends GeminiImageError {
  readonly field: string | null
}
/** `name` is `'AbortError'`; `kind` is `'cancelled'`. */
export declare class CancelledError extends GeminiImageError {}
