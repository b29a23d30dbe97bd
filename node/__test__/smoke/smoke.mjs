// ESM entry of the installed tarball.
import assert from 'node:assert/strict'
import { Client, RateLimitError, startEmulator } from 'gemini-image'

const emulator = await startEmulator()
try {
  const client = new Client({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, maxRetries: 0 })
  const result = await client.generate('a lighthouse at dusk')
  assert.ok(result.image)
  await assert.rejects(client.generate('a fox [[fault:rate_limit]]'), RateLimitError)
  console.log('smoke (import): ok')
} finally {
  await emulator.close()
}
