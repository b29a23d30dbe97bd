// ESM entry: the same objects as the CommonJS entry (one addon instance).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const pkg = require('./index.js')

export const {
  Client,
  Chat,
  ImageStream,
  GenerateResult,
  GeneratedImage,
  StreamParser,
  Conversation,
  buildRequest,
  parseResponse,
  retryDelayMs,
  startEmulator,
  runCli,
  DEFAULT_MODEL,
  version,
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
} = pkg
export default pkg
