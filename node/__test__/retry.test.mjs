// Retries are visible: `onRetry` hears of each one as it starts, and a throwing callback
// never breaks the call.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, before, test } from 'node:test'

import { Client, InvalidRequestError, startEmulator } from 'gemini-image'

// The package's own test hooks live on the CommonJS entry only (not public API).
const { _testing } = createRequire(import.meta.url)('gemini-image')

let emulator
before(async () => {
  emulator = await startEmulator()
})
after(async () => {
  await emulator.close()
})

function clientWith(onRetry) {
  // Retry waits are recorded, not slept, so the test is quick.
  return _testing.recordingClient({
    apiKey: 'test-key',
    baseUrl: emulator.gatewayUrl,
    model: 'gemini-2.5-flash-image',
    onRetry,
  })
}

test('onRetry hears of a retry as it starts, and the call still succeeds', async () => {
  const events = []
  const client = clientWith((event) => events.push(event))
  const result = await client.generate({ prompt: 'a fox [[fault:overloaded:1]]' })
  assert.ok(result.image)
  // The notice is queued to the JS thread: let it run.
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(events.length, 1)
  const [event] = events
  assert.equal(event.kind, 'server')
  assert.equal(event.statusCode, 503)
  assert.equal(event.attempt, 2)
  assert.equal(event.maxAttempts, 3)
  assert.equal(typeof event.delayMs, 'number')
  assert.match(event.summary, /^server \(503\), retrying in .* \(attempt 2 of 3\)$/)
  assert.ok(!JSON.stringify(event).includes('test-key'))
})

test('a throwing onRetry becomes a warning, not a failed call', async () => {
  const warnings = []
  const onWarning = (warning) => warnings.push(warning)
  process.on('warning', onWarning)
  try {
    const client = clientWith(() => {
      throw new Error('listener broke')
    })
    const result = await client.generate({ prompt: 'a pear [[fault:overloaded:1]]' })
    assert.ok(result.image)
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.ok(warnings.some((w) => String(w.message).includes('listener broke')))
  } finally {
    process.off('warning', onWarning)
  }
})

test('onRetry must be a function', () => {
  assert.throws(() => new Client({ apiKey: 'k', onRetry: 'log' }), (err) => {
    assert.ok(err instanceof InvalidRequestError)
    assert.equal(err.field, 'onRetry')
    return true
  })
})
