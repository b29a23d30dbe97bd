// Hardening from Node: the fault matrix against raw loopback servers, the client's
// refusals and caps, a soak of promises with injected faults, and the key in no output.
// Loopback only.
import assert from 'node:assert/strict'
import net from 'node:net'
import util from 'node:util'
import { after, before, describe, test } from 'node:test'

import {
  Client,
  DecodeError,
  GeminiImageError,
  InvalidRequestError,
  NetworkError,
  QuotaExhaustedError,
  ResponseTooLargeError,
  ServerError,
  TimeoutError,
  startEmulator,
} from 'gemini-image'

const KEY = 'sk-NODE-FAULT-MATRIX-0123456789'
// Far above the client's 1 s timeout: only a hang gets here (a hang guard, not a speed test).
const HANG_GUARD_MS = 20_000
const PNG_B64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4IScHAAK2AQU0pnWqAAAAAElFTkSuQmCC'
const GOOD_JSON = Buffer.from(
  `{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"${PNG_B64}"}}]},"finishReason":"STOP"}]}`,
)
const SSE_ERROR = Buffer.from(
  'data: {"candidates":[{"content":{"parts":[{"text":"drawing","thought":true}]}}]}\r\n\r\n' +
    'data: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}\r\n\r\n',
)
const HUGE_HTML = Buffer.concat([
  Buffer.from('<html><body><h1>Bad Gateway</h1>'),
  Buffer.alloc(20 * 1024 * 1024, 0x20),
  Buffer.from('</body></html>'),
])

const head = (length, type = 'application/json', status = '200 OK') =>
  Buffer.from(`HTTP/1.1 ${status}\r\ncontent-type: ${type}\r\ncontent-length: ${length}\r\n\r\n`)

// What each scripted server does once it has read a request.
const SCRIPTS = {
  close_mid_headers: (s) => s.end('HTTP/1.1 200 OK\r\ncontent-ty'),
  close_mid_body: (s) => s.end(Buffer.concat([head(1000), GOOD_JSON.subarray(0, 100)])),
  body_longer_than_length: (s) => s.end(Buffer.concat([head(GOOD_JSON.length >> 1), GOOD_JSON])),
  body_shorter_than_length: (s) => s.end(Buffer.concat([head(100_000), GOOD_JSON])),
  stall_after_headers: (s) => s.write(head(5000)),
  stall_before_headers: () => {},
  sse_error_object: (s) => s.end(Buffer.concat([head(SSE_ERROR.length, 'text/event-stream'), SSE_ERROR])),
  html_502_20mb: (s) =>
    s.end(Buffer.concat([head(HUGE_HTML.length, 'text/html', '502 Bad Gateway'), HUGE_HTML])),
}

// [script, stream?, error class, retryable]
const MATRIX = [
  ['close_mid_headers', false, NetworkError, true],
  ['close_mid_headers', true, NetworkError, true],
  ['close_mid_body', false, NetworkError, true],
  ['body_longer_than_length', false, DecodeError, false],
  ['body_shorter_than_length', false, NetworkError, true],
  ['stall_after_headers', false, TimeoutError, true],
  ['stall_after_headers', true, TimeoutError, true],
  ['stall_before_headers', false, TimeoutError, true],
  ['stall_before_headers', true, TimeoutError, true],
  ['sse_error_object', true, ServerError, true],
  ['html_502_20mb', false, ServerError, true],
]

/** A loopback server answering every request with `script` once the request is read. */
async function rawServer(script) {
  const sockets = new Set()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    let seen = Buffer.alloc(0)
    let answered = false
    socket.on('data', (chunk) => {
      if (answered) return
      seen = Buffer.concat([seen, chunk])
      const end = seen.indexOf('\r\n\r\n')
      if (end < 0) return
      const length = Number(/content-length:\s*(\d+)/i.exec(seen.subarray(0, end).toString())?.[1] ?? 0)
      if (seen.length - end - 4 < length) return
      answered = true
      script(socket)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}

const shown = (err) => [String(err), err.stack ?? '', util.inspect(err, { depth: 5 }), JSON.stringify(err)].join(' | ')

describe('fault matrix', () => {
  const servers = {}
  before(async () => {
    for (const [name, script] of Object.entries(SCRIPTS)) servers[name] = await rawServer(script)
  })
  after(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()))
  })

  for (const [script, stream, cls, retryable] of MATRIX) {
    test(`${script}${stream ? ' (stream)' : ''} -> ${cls.name}`, async () => {
      const client = new Client({ apiKey: KEY, baseUrl: servers[script].url, timeoutMs: 1000, maxRetries: 0 })
      const started = Date.now()
      const err = await (async () => {
        try {
          if (stream) {
            for await (const _ of client.stream({ prompt: 'a cabin', model: 'gemini-3-pro-image-preview' })) {
              // drain
            }
          } else {
            await client.generate({ prompt: 'a cabin', model: 'gemini-3-pro-image-preview' })
          }
        } catch (e) {
          return e
        }
        return null
      })()
      const elapsed = Date.now() - started
      assert.ok(err instanceof cls, `${script}: ${err?.constructor?.name}: ${err}`)
      assert.ok(err instanceof GeminiImageError)
      assert.equal(err.retryable, retryable, `${script}: ${err}`)
      assert.ok(elapsed < HANG_GUARD_MS, `${script} took ${elapsed} ms`)
      assert.ok(!shown(err).includes(KEY), 'the key leaked')
      assert.ok(!util.inspect(client).includes(KEY) && !JSON.stringify(client).includes(KEY))
    })
  }
})

describe('refusals and caps', () => {
  let emulator
  before(async () => {
    emulator = await startEmulator()
  })
  after(async () => {
    await emulator.close()
  })

  test('plain http to a remote host, credentials in the URL, zero timeouts', () => {
    assert.throws(
      () => new Client({ apiKey: KEY, baseUrl: 'http://api.example.com/gemini' }),
      (err) => err instanceof InvalidRequestError && err.field === 'base_url' && /allow/i.test(err.message),
    )
    assert.ok(new Client({ apiKey: KEY, baseUrl: 'http://api.example.com/gemini', allowInsecureHttp: true }))
    assert.throws(
      () => new Client({ apiKey: KEY, baseUrl: 'https://bob:s3cr3t@api.example.com/gemini' }),
      (err) => err instanceof InvalidRequestError && err.field === 'base_url' && !String(err).includes('s3cr3t'),
    )
    for (const option of ['timeoutMs', 'connectTimeoutMs']) {
      assert.throws(
        () => new Client({ apiKey: KEY, baseUrl: emulator.gatewayUrl, [option]: 0 }),
        (err) => err instanceof InvalidRequestError && err.field === option,
      )
    }
  })

  test('maxResponseBytes and maxInlineBytes', async () => {
    const small = new Client({ apiKey: KEY, baseUrl: emulator.gatewayUrl, maxResponseBytes: 100_000, maxRetries: 0 })
    await assert.rejects(
      small.generate({ prompt: 'a big picture [[bytes:1m]]', model: 'gemini-2.5-flash-image' }),
      (err) => err instanceof ResponseTooLargeError && err.message.includes('100000'),
    )
    const tight = new Client({ apiKey: KEY, baseUrl: emulator.gatewayUrl, maxInlineBytes: 1000 })
    const image = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(5000)])
    const served = emulator.requestCount()
    await assert.rejects(
      tight.edit({ images: [image], prompt: 'make it red', model: 'gemini-2.5-flash-image' }),
      (err) => err instanceof InvalidRequestError && err.field === 'images' && err.message.includes('1000'),
    )
    assert.equal(emulator.requestCount(), served)
  })
})

describe('soak: promises', () => {
  // GEMINI_IMAGE_SOAK_CALLS calls (default 100, what CI runs; docs/reliability.md has 2000),
  // at most 50 in flight, one prompt in ten with a fault.
  const CALLS = Number(process.env.GEMINI_IMAGE_SOAK_CALLS ?? 100)
  const FAULTS = [
    ['[[fault:rate_limit:1]]', true],
    ['[[fault:overloaded:1]]', true],
    ['[[fault:drop:1]]', true],
    ['[[fault:slow_body]] [[delay:150]]', true],
    ['[[fault:budget]]', false],
  ]

  test(`${CALLS} calls, 50 in flight, ~10% faults: each ends once, memory flat, no key`, async () => {
    // The emulator runs in this process: its image cache is off so RSS measures the SDK.
    const emulator = await startEmulator({ apiKey: KEY, cacheBytes: 0 })
    try {
      const warnings = []
      const onWarning = (w) => warnings.push(String(w))
      process.on('warning', onWarning)
      const retries = []
      const client = new Client({
        apiKey: KEY,
        baseUrl: emulator.gatewayUrl,
        model: 'gemini-2.5-flash-image',
        timeoutMs: 10_000,
        maxRetries: 2,
        onRetry: (event) => retries.push(JSON.stringify(event)),
      })
      const prompts = Array.from({ length: CALLS }, (_, i) => {
        if (i % 10 !== 7) return [`node soak ${i}`, true]
        const [marker, ok] = FAULTS[Math.floor(i / 10) % FAULTS.length]
        return [`node soak ${i} ${marker}`, ok]
      })
      const outcomes = new Map()
      const samples = []
      let next = 0
      let done = 0
      const started = Date.now()
      const worker = async () => {
        while (next < prompts.length) {
          const [prompt] = prompts[next++]
          let outcome
          try {
            outcome = await client.generate({ prompt })
          } catch (err) {
            outcome = err
          }
          assert.ok(!outcomes.has(prompt), `${prompt} ended twice`)
          // Keep a summary, not the image, so the samples measure the SDK and not the test.
          assert.ok(!(outcome?.image ? util.inspect(outcome) : shown(outcome)).includes(KEY))
          outcomes.set(
            prompt,
            outcome?.image?.data?.subarray(0, 4).toString('hex') === '89504e47' ? 'png' : outcome?.constructor?.name,
          )
          done += 1
          if (done % Math.max(1, Math.floor(CALLS / 4)) === 0) samples.push(process.memoryUsage().rss)
        }
      }
      await Promise.all(Array.from({ length: 50 }, worker))
      process.off('warning', onWarning)
      assert.equal(outcomes.size, CALLS)
      for (const [prompt, wantsImage] of prompts) {
        assert.equal(outcomes.get(prompt), wantsImage ? 'png' : QuotaExhaustedError.name, prompt)
      }
      assert.ok(!retries.join('\n').includes(KEY) && !warnings.join('\n').includes(KEY))
      const half = samples[Math.floor(samples.length / 2) - 1] ?? samples[0]
      const end = samples[samples.length - 1]
      console.log(
        `node soak: ${CALLS} calls in ${Date.now() - started} ms, ${emulator.requestCount()} requests, ` +
          `${retries.length} retries, RSS MiB at quarters ${samples.map((b) => (b / 2 ** 20).toFixed(1)).join(' ')}`,
      )
      // Flat memory: the second half may not grow by more than a generous constant.
      assert.ok(end - half < 48 * 2 ** 20, `RSS grew ${half} -> ${end}`)
    } finally {
      await emulator.close()
    }
  })
})
