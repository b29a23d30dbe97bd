'use strict'
// Argument normalisation (JS -> addon) and result wrapping (addon -> JS).

const native = require('../native.js')
const { invalid, fromNative } = require('./errors.js')

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** One image argument as the addon takes it: a path string or a Buffer (never copied). */
function toImageInput(image, field) {
  if (typeof image === 'string') {
    if (image.trim() === '') throw invalid(field, 'is an empty path; pass an image path or its bytes')
    return image
  }
  if (Buffer.isBuffer(image)) return image
  if (image instanceof Uint8Array) {
    return Buffer.from(image.buffer, image.byteOffset, image.byteLength)
  }
  if (image instanceof ArrayBuffer || image instanceof SharedArrayBuffer) {
    return Buffer.from(image)
  }
  if (isPlainObject(image) && 'data' in image) {
    const { data, mimeType } = image
    if (typeof mimeType !== 'string') {
      throw invalid(`${field}.mimeType`, 'must be a MIME type string such as image/png')
    }
    if (typeof data === 'string') throw invalid(`${field}.data`, 'must be bytes (Buffer, Uint8Array or ArrayBuffer), not a string')
    return { data: toImageInput(data, `${field}.data`), mimeType }
  }
  const got = image === null ? 'null' : typeof image
  throw invalid(field, `must be a path string, Buffer, Uint8Array, ArrayBuffer or { data, mimeType }, got ${got}`)
}

/**
 * Splits a request ({ prompt, images, signal, ...options }) or a bare prompt string into
 * the addon's call object and the signal.
 */
function toCall(request, what = 'request') {
  if (typeof request === 'string') request = { prompt: request }
  if (!isPlainObject(request)) {
    throw invalid(what, 'must be a prompt string or an object such as { prompt, images }')
  }
  const { prompt, images, signal, ...options } = request
  if (prompt !== undefined && prompt !== null && typeof prompt !== 'string') {
    throw invalid('prompt', `must be a string, got ${typeof prompt}`)
  }
  let list = []
  if (images !== undefined && images !== null) {
    const many = Array.isArray(images) ? images : [images]
    list = many.map((image, i) => toImageInput(image, `images[${i}]`))
  }
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      throw invalid(key, `must be JSON data, got ${typeof value}`)
    }
  }
  checkSignal(signal)
  return {
    call: { prompt: prompt ?? undefined, images: list, options },
    signal: signal ?? undefined,
  }
}

function checkSignal(signal) {
  if (signal === undefined || signal === null) return
  if (typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw invalid('signal', 'must be an AbortSignal (from an AbortController or AbortSignal.timeout())')
  }
}

/** An image in a result. */
class GeneratedImage {
  constructor(img) {
    this.data = img.data
    this.mimeType = img.mimeType
    this.width = img.width ?? null
    this.height = img.height ?? null
  }

  /** The file extension for this image's MIME type (`png`, `jpg`, …). */
  get extension() {
    return native.extensionForMime(this.mimeType)
  }

  /**
   * Writes the image (off the JS thread). A path without an extension gets the MIME
   * type's; an existing file is never replaced unless `{ overwrite: true }` (the next free
   * name, `x-2.png`, is used). Resolves to the path written.
   */
  async save(file, options = {}) {
    if (typeof file !== 'string' || file.trim() === '') {
      throw invalid('path', 'must be a non-empty file path string')
    }
    const overwrite = options?.overwrite === true
    try {
      const saved = await native.saveImage(this.data, this.mimeType, file, overwrite)
      return saved.path
    } catch (err) {
      throw fromNative(err)
    }
  }

  toJSON() {
    return { mimeType: this.mimeType, width: this.width, height: this.height, bytes: this.data.length }
  }
}

/** What a call returned. */
class GenerateResult {
  constructor(raw) {
    this.images = raw.images.map((img) => new GeneratedImage(img))
    this.image = this.images[0] ?? null
    this.text = raw.text
    this.thoughtImages = raw.thoughtImages.map((img) => new GeneratedImage(img))
    this.thoughts = raw.thoughts
    this.finishReason = raw.finishReason ?? null
    this.finishMessage = raw.finishMessage ?? null
    this.blockReason = raw.blockReason ?? null
    this.safetyRatings = raw.safetyRatings.map((r) => ({
      category: r.category,
      probability: r.probability,
      blocked: r.blocked ?? null,
    }))
    this.usage = raw.usage ?? null
    this.modelVersion = raw.modelVersion ?? null
    this.responseId = raw.responseId ?? null
    this.thoughtSignatures = raw.thoughtSignatures
  }
}

/** A stream event from the addon as the public event object. */
function toEvent(ev) {
  switch (ev.type) {
    case 'thought_text':
    case 'text':
      return { type: ev.type, text: ev.text ?? '' }
    case 'thought_image':
    case 'image':
      return { type: ev.type, image: new GeneratedImage(ev.image) }
    case 'done':
      return { type: 'done', result: new GenerateResult(ev.result) }
    default:
      return { type: ev.type }
  }
}

/** A body as a Buffer (no copy for Buffer/Uint8Array/ArrayBuffer). */
function toBody(body, field = 'body') {
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  if (Buffer.isBuffer(body)) return body
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (body instanceof ArrayBuffer) return Buffer.from(body)
  throw invalid(field, 'must be a Buffer, Uint8Array, ArrayBuffer or string')
}

/** Headers as a plain lowercase-keyed object, from an object, a `Headers` or pairs. */
function toHeaders(headers) {
  const out = {}
  if (headers === undefined || headers === null) return out
  const entries = Array.isArray(headers)
    ? headers
    : typeof headers.get === 'function' && typeof headers.entries === 'function'
      ? headers.entries()
      : Object.entries(headers)
  for (const [key, value] of entries) {
    if (value === undefined || value === null) continue
    out[String(key).toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return out
}

module.exports = {
  isPlainObject,
  toCall,
  checkSignal,
  toEvent,
  toBody,
  toHeaders,
  GeneratedImage,
  GenerateResult,
}
