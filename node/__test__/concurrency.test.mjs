// Calls run off the JS thread and really overlap (not capped by libuv's 4-thread pool),
// and AbortSignal stops them promptly.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { CancelledError, Client, GeminiImageError, startEmulator } from 'gemini-image'

const DELAY_MS = 800

let emulator
let client
before(async () => {
  emulator = await startEmulator()
  client = new Client({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, model: 'gemini-2.5-flash-image' })
  await client.generate('warm up the image cache') // first use builds the emulator's cache
})
after(async () => {
  await emulator.close()
})

describe('off the JS thread', () => {
  test('twenty calls overlap at the server while a timer keeps ticking', async () => {
    let ticks = 0
    let last = performance.now()
    let worstGap = 0
    const timer = setInterval(() => {
      const now = performance.now()
      worstGap = Math.max(worstGap, now - last)
      last = now
      ticks++
    }, 10)
    const started = performance.now()
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => client.generate(`tile ${i % 2} [[fault:slow]] [[delay:${DELAY_MS}]]`)),
      )
      const elapsed = performance.now() - started
      assert.equal(results.length, 20)
      assert.ok(results.every((r) => r.image !== null))
      // Each call really waited at the server (so the overlap below means something).
      assert.ok(elapsed >= DELAY_MS, `20 calls of ${DELAY_MS} ms took only ${elapsed.toFixed(0)} ms`)
      // Serially, or 4 at a time (libuv's pool), this would take >= 5 x DELAY_MS.
      assert.ok(elapsed < 3 * DELAY_MS, `20 calls of ${DELAY_MS} ms took ${elapsed.toFixed(0)} ms: they did not overlap`)
      // A blocked event loop would stall for a whole call (>= DELAY_MS) per call. The
      // bounds leave room for a loaded 2-core CI machine running other test files.
      assert.ok(ticks >= elapsed / 50, `only ${ticks} timer ticks in ${elapsed.toFixed(0)} ms`)
      assert.ok(worstGap < DELAY_MS / 2, `the event loop stalled for ${worstGap.toFixed(0)} ms`)
    } finally {
      clearInterval(timer)
    }
  })
})

describe('AbortSignal', () => {
  test('abort rejects promptly with a CancelledError (AbortError, kind cancelled)', async () => {
    const controller = new AbortController()
    const started = performance.now()
    const pending = client.generate({ prompt: 'slow [[fault:slow]] [[delay:3000]]', signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    await assert.rejects(pending, (err) => {
      assert.ok(err instanceof CancelledError)
      assert.ok(err instanceof GeminiImageError)
      assert.equal(err.name, 'AbortError')
      assert.equal(err.kind, 'cancelled')
      assert.equal(err.code, 'GEMINI_IMAGE_CANCELLED')
      assert.equal(err.retryable, false)
      return true
    })
    assert.ok(performance.now() - started < 1000, 'rejected long before the server answered')
  })

  test('an already aborted signal sends nothing', async () => {
    const before = emulator.requestCount()
    await assert.rejects(client.generate({ prompt: 'never', signal: AbortSignal.abort() }), CancelledError)
    await assert.rejects(client.edit({ prompt: 'never', images: [Buffer.alloc(8)], signal: AbortSignal.abort() }), CancelledError)
    assert.equal(emulator.requestCount(), before)
  })

  test('AbortSignal.timeout() works; the reason is the cause', async () => {
    await assert.rejects(client.generate({ prompt: 'slow [[fault:slow]] [[delay:3000]]', signal: AbortSignal.timeout(50) }), (err) => {
      assert.ok(err instanceof CancelledError)
      assert.equal(err.cause?.name, 'TimeoutError')
      return true
    })
  })

  test('a stream stops when its signal aborts', async () => {
    const controller = new AbortController()
    const stream = client.stream({ prompt: 'slow [[fault:slow]] [[delay:3000]]', signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    const started = performance.now()
    await assert.rejects(stream.next(), CancelledError)
    assert.ok(performance.now() - started < 1000)
    assert.deepEqual(await stream.next().catch((e) => e.name), 'AbortError')
  })

  test('chat.send and batch take a signal', async () => {
    const chat = client.chat()
    await assert.rejects(chat.send({ prompt: 'x', signal: AbortSignal.abort() }), CancelledError)
    assert.equal(chat.history.length, 0)
    const controller = new AbortController()
    const pending = client.batch(['a [[fault:slow]] [[delay:2000]]', 'b [[fault:slow]] [[delay:2000]]', 'c [[fault:slow]] [[delay:2000]]'], {
      concurrency: 1,
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(), 50)
    const items = await pending
    assert.equal(items.length, 3)
    assert.ok(items.every((i) => !i.ok && i.error instanceof CancelledError))
  })

  test('a signal that is not an AbortSignal is refused', async () => {
    await assert.rejects(client.generate({ prompt: 'x', signal: {} }), { name: 'InvalidRequestError', field: 'signal' })
  })
})

describe('AbortSignal cancels the Rust call', () => {
  test('an abort during a retry wait stops the retries', async () => {
    const retrying = new Client({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, maxRetries: 2 })
    const prompt = 'busy [[fault:rate_limit]]'
    const before = emulator.requestCount()
    const controller = new AbortController()
    const pending = retrying.generate({ prompt, signal: controller.signal })
    setTimeout(() => controller.abort(), 300) // the server asked for a 1 s wait
    await assert.rejects(pending, CancelledError)
    await new Promise((resolve) => setTimeout(resolve, 2500)) // past both retry waits
    assert.equal(emulator.requestCount() - before, 1, 'no retry was sent after the abort')
  })
})
