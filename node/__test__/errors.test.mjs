// Every error class with its fields, from real failures (emulator faults, a loopback
// server, a closed port), and key redaction.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import net from 'node:net'
import util from 'node:util'
import { createRequire } from 'node:module'

import * as gi from 'gemini-image'
import { startLoopback } from './support/loopback.mjs'

const require = createRequire(import.meta.url)
const native = require('../native.js')
const { ERROR_CLASSES } = require('../lib/errors.js')

const SECRET = 'sk-live-SECRET-0123456789abcdef'

let emulator
before(async () => {
  emulator = await startEmulatorWithKey()
})
after(async () => {
  await emulator.close()
})

async function startEmulatorWithKey() {
  return gi.startEmulator({ apiKey: 'test-key' })
}

const clientFor = (options = {}) =>
  new gi.Client({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, maxRetries: 0, ...options })

async function rejectsWith(promise, cls, check) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${err?.name}: ${err?.message}`)
    assert.ok(err instanceof gi.GeminiImageError)
    assert.ok(err instanceof Error)
    assert.equal(typeof err.message, 'string')
    assert.equal(err.code, `GEMINI_IMAGE_${err.kind.toUpperCase()}`)
    check?.(err)
    return true
  })
}

describe('error table', () => {
  test('every core kind has an exported class and the core code', () => {
    for (const { kind, code } of native.errorKinds()) {
      const cls = ERROR_CLASSES[kind]
      assert.ok(cls, `no class for kind ${kind}`)
      assert.equal(gi[cls.name], cls, `${cls.name} is exported`)
      const err = new cls('m', { kind, code })
      assert.equal(err.code, code)
    }
  })
})

describe('error classes from real failures', () => {
  test('RateLimitError: 429 with retryAfterMs, retryable', async () => {
    await rejectsWith(clientFor().generate('a fox [[fault:rate_limit]]'), gi.RateLimitError, (err) => {
      assert.equal(err.kind, 'rate_limited')
      assert.equal(err.statusCode, 429)
      assert.equal(err.retryable, true)
      assert.equal(err.retryAfterMs, 1000)
      assert.equal(err.status, 'RESOURCE_EXHAUSTED')
      assert.equal(err.remedy, 'retry_later')
    })
  })

  test('QuotaExhaustedError: credits and budget are not retryable', async () => {
    for (const fault of ['credits', 'budget']) {
      await rejectsWith(clientFor().generate(`a fox [[fault:${fault}]]`), gi.QuotaExhaustedError, (err) => {
        assert.equal(err.statusCode, 429)
        assert.equal(err.retryable, false)
      })
    }
  })

  test('ServerError: 503, 500 and an HTML 502', async () => {
    for (const [fault, status] of [['overloaded', 503], ['internal', 500], ['html_502', 502]]) {
      await rejectsWith(clientFor().generate(`a fox [[fault:${fault}]]`), gi.ServerError, (err) => {
        assert.equal(err.statusCode, status)
        assert.equal(err.retryable, true)
      })
    }
  })

  test('TimeoutError: a 504, and the client timeout (timeoutMs)', async () => {
    await rejectsWith(clientFor().generate('a fox [[fault:deadline]]'), gi.TimeoutError, (err) => {
      assert.equal(err.statusCode, 504)
    })
    const started = Date.now()
    await rejectsWith(clientFor({ timeoutMs: 300 }).generate('a fox [[fault:slow]]'), gi.TimeoutError, (err) => {
      assert.equal(err.statusCode, null)
      assert.equal(err.remedy, 'raise_timeout')
      assert.match(err.message, /timeoutMs/)
    })
    assert.ok(Date.now() - started < 2500)
  })

  test('NoImageError: finishReason, finishMessage, blockReason, text', async () => {
    const client = clientFor()
    await rejectsWith(client.generate('x [[fault:image_safety]]'), gi.NoImageError, (err) => {
      assert.equal(err.finishReason, 'IMAGE_SAFETY')
      assert.match(err.finishMessage, /filtered/)
      assert.equal(err.blockReason, null)
      assert.equal(err.statusCode, 200)
      assert.equal(err.retryable, false)
    })
    await rejectsWith(client.generate('x [[fault:blocked]]'), gi.NoImageError, (err) => {
      assert.equal(err.blockReason, 'PROHIBITED_CONTENT')
    })
    await rejectsWith(client.generate('x [[fault:refusal]]'), gi.NoImageError, (err) => {
      assert.match(err.text, /can't create/)
    })
  })

  test('AuthenticationError: a wrong key', async () => {
    await rejectsWith(clientFor({ apiKey: 'wrong-key' }).generate('a fox'), gi.AuthenticationError, (err) => {
      assert.equal(err.statusCode, 401)
      assert.equal(err.remedy, 'check_api_key')
    })
  })

  test('InvalidRequestError: field named, nothing sent', async () => {
    const before = emulator.requestCount()
    await rejectsWith(clientFor().generate({ prompt: 'x', imageSize: '3K' }), gi.InvalidRequestError, (err) => {
      assert.equal(err.field, 'image_size')
      assert.equal(err.statusCode, null)
      assert.match(err.message, /imageSize/)
    })
    await rejectsWith(clientFor().generate({ prompt: '  ' }), gi.InvalidRequestError, (err) => {
      assert.equal(err.field, 'prompt')
    })
    assert.equal(emulator.requestCount(), before)
    assert.throws(() => new gi.Client({ apiKey: 'k', timeoutMs: 0 }), { name: 'InvalidRequestError', field: 'timeoutMs' })
    assert.throws(() => new gi.Client({ apiKey: 'k', timeoutMs: Number.NaN }), { field: 'timeoutMs' })
    assert.throws(() => new gi.Client({ apiKey: 'k', maxRetries: -1 }), { field: 'maxRetries' })
    assert.throws(() => new gi.Client({ apiKey: 'k', baseUrl: 'ftp://x' }), { field: 'base_url' })
    assert.throws(() => new gi.Client({ apiKey: 'k', apikey: 'typo' }), { field: 'apikey' })
  })

  test('NetworkError: nothing listens on the port', async () => {
    const port = await new Promise((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address()
        s.close(() => resolve(port))
      })
    })
    const client = new gi.Client({ apiKey: 'k', baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 })
    await rejectsWith(client.generate('a fox'), gi.NetworkError, (err) => {
      assert.equal(err.retryable, true)
      assert.equal(err.statusCode, null)
    })
  })

  test('NotFoundError, PermissionDeniedError, DecodeError, ResponseTooLargeError from a loopback server', async () => {
    const google = (code, status, message) =>
      JSON.stringify({ error: { code, message, status } })
    const server = await startLoopback([
      { status: 404, headers: { 'content-type': 'application/json' }, body: google(404, 'NOT_FOUND', 'models/x is not found') },
      { status: 403, headers: { 'content-type': 'application/json' }, body: google(403, 'PERMISSION_DENIED', 'denied') },
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{"candidates": [' },
      { status: 200, headers: { 'content-type': 'application/json' }, body: 'x'.repeat(5000) },
    ])
    try {
      const client = new gi.Client({ apiKey: 'k', baseUrl: server.url, maxRetries: 0, maxResponseBytes: 4096 })
      await rejectsWith(client.generate('a'), gi.NotFoundError, (err) => {
        assert.equal(err.statusCode, 404)
        assert.equal(err.status, 'NOT_FOUND')
      })
      await rejectsWith(client.generate('a'), gi.PermissionDeniedError, (err) => assert.equal(err.statusCode, 403))
      await rejectsWith(client.generate('a'), gi.DecodeError, (err) => assert.equal(err.statusCode, 200))
      await rejectsWith(client.generate('a'), gi.ResponseTooLargeError, (err) => {
        assert.equal(err.remedy, 'raise_response_limit')
        assert.match(err.message, /maxResponseBytes/)
      })
    } finally {
      await server.close()
    }
  })

  test('IoError: an image path that does not exist', async () => {
    await rejectsWith(clientFor().edit({ prompt: 'x', images: ['/nonexistent/dir/cat.png'] }), gi.IoError, (err) => {
      assert.equal(err.field, 'images[0]')
      assert.match(err.message, /cat\.png/)
    })
  })
})

describe('key redaction', () => {
  test('the key never shows in inspect, JSON, messages or stacks', async () => {
    const echo = await startLoopback([
      {
        status: 400,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: { code: 400, message: `API key not valid: ${SECRET}`, status: 'INVALID_ARGUMENT' } }),
      },
    ])
    try {
      const client = new gi.Client({ apiKey: SECRET, baseUrl: echo.url, maxRetries: 0 })
      for (const shown of [util.inspect(client, { showHidden: true, depth: 10 }), JSON.stringify(client), String(client)]) {
        assert.ok(!shown.includes(SECRET), shown)
      }
      assert.equal(echo.requests.length, 0)
      const err = await client.generate('a fox').then(
        () => assert.fail('expected an error'),
        (e) => e,
      )
      assert.equal(echo.requests[0].headers['x-goog-api-key'], SECRET, 'the key went in the header')
      for (const shown of [err.message, err.stack, util.inspect(err, { showHidden: true, depth: 10 }), JSON.stringify(err)]) {
        assert.ok(!shown.includes(SECRET), shown)
      }
      const wrong = new gi.Client({ apiKey: SECRET, baseUrl: emulator.gatewayUrl, maxRetries: 0 })
      const auth = await wrong.generate('a fox').catch((e) => e)
      assert.ok(auth instanceof gi.AuthenticationError)
      assert.ok(!util.inspect(auth).includes(SECRET))
      const built = gi.buildRequest({ apiKey: SECRET, prompt: 'x' })
      assert.ok(!built.url.includes(SECRET), 'never in the URL')
    } finally {
      await echo.close()
    }
  })
})
