// Runs in a fresh folder where the packed tarball was installed (no cargo on PATH).
'use strict'
const assert = require('node:assert/strict')
const { Client, NoImageError, GeminiImageError, startEmulator } = require('gemini-image')

;(async () => {
  const emulator = await startEmulator()
  try {
    const client = new Client({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl })
    const result = await client.generate({ prompt: 'a red fox in the snow', aspectRatio: '16:9' })
    assert.ok(result.image && result.image.data.length > 0, 'an image came back')
    await assert.rejects(client.generate('a fox [[fault:image_safety]]'), (err) => {
      assert.ok(err instanceof NoImageError && err instanceof GeminiImageError)
      assert.equal(err.code, 'GEMINI_IMAGE_NO_IMAGE')
      return true
    })
    console.log(`smoke (require): ${result.image.mimeType} ${result.image.width}x${result.image.height}, typed error ok`)
  } finally {
    await emulator.close()
  }
})().catch((err) => {
  console.error(err)
  process.exit(1)
})
