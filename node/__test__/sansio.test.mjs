// Bring your own HTTP (buildRequest + fetch + parseResponse, StreamParser, Conversation),
// and the emulator handle.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import {
  Client,
  Conversation,
  GenerateResult,
  NoImageError,
  RateLimitError,
  StreamParser,
  buildRequest,
  parseResponse,
  retryDelayMs,
  startEmulator,
} from 'gemini-image'

describe('bring your own HTTP', () => {
  test('buildRequest + fetch + parseResponse give what generate gives', async () => {
    const emulator = await startEmulator()
    try {
      const request = buildRequest({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, model: 'gemini-2.5-flash-image', prompt: 'a fox', aspectRatio: '16:9' })
      assert.equal(request.method, 'POST')
      assert.equal(request.url, `${emulator.gatewayUrl}/v1beta/models/gemini-2.5-flash-image:generateContent`)
      assert.equal(request.headers['x-goog-api-key'], 'test-key')
      assert.ok(Buffer.isBuffer(request.body))
      assert.deepEqual(JSON.parse(request.body).generationConfig.imageConfig, { aspectRatio: '16:9' })
      const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body })
      const result = parseResponse(response.status, response.headers, await response.arrayBuffer())
      assert.ok(result instanceof GenerateResult)
      assert.equal(result.image.width, 1344)

      const client = new Client({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, model: 'gemini-2.5-flash-image' })
      const direct = await client.generate({ prompt: 'a fox', aspectRatio: '16:9' })
      assert.deepEqual(direct.image.data, result.image.data, 'the emulator is deterministic per prompt')

      const refused = buildRequest({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, prompt: 'x [[fault:image_safety]]' })
      const answer = await fetch(refused.url, { method: 'POST', headers: refused.headers, body: refused.body })
      const body = Buffer.from(await answer.arrayBuffer())
      assert.throws(() => parseResponse(answer.status, answer.headers, body), NoImageError)
      assert.equal(parseResponse(answer.status, answer.headers, body, { raw: true }).finishReason, 'IMAGE_SAFETY')

      const limited = buildRequest({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, prompt: 'x [[fault:rate_limit]]' })
      const busy = await fetch(limited.url, { method: 'POST', headers: limited.headers, body: limited.body })
      const busyBody = Buffer.from(await busy.arrayBuffer())
      assert.throws(() => parseResponse(busy.status, busy.headers, busyBody), RateLimitError)
      assert.equal(retryDelayMs(1, busy.status, busy.headers, busyBody), 1000)
      assert.equal(retryDelayMs(3, busy.status, busy.headers, busyBody), null, 'the default policy gives up after 3 attempts')

      const streamed = buildRequest({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, prompt: 'a cat', stream: true })
      assert.match(streamed.url, /:streamGenerateContent\?alt=sse$/)
      const sse = await fetch(streamed.url, { method: 'POST', headers: streamed.headers, body: streamed.body })
      const parser = new StreamParser()
      const events = []
      for await (const chunk of sse.body) events.push(...parser.feed(chunk))
      events.push(...parser.finish())
      assert.equal(events.at(-1).type, 'done')
      assert.ok(events.at(-1).result.image)
    } finally {
      await emulator.close()
    }
  })

  test('Conversation: turns over your own HTTP, saved and restored', async () => {
    const emulator = await startEmulator()
    try {
      const conversation = new Conversation({ model: 'gemini-3-pro-image-preview', aspectRatio: '1:1' })
      const send = async (turn) => {
        const request = conversation.beginTurn({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, ...turn })
        const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body })
        return conversation.completeTurn(response.status, response.headers, Buffer.from(await response.arrayBuffer()))
      }
      await send({ prompt: 'a cabin' })
      const second = await send({ prompt: 'at night' })
      assert.equal(second.image.width, second.image.height)
      assert.equal(conversation.history.length, 4)
      await assert.rejects(send({ prompt: 'x [[fault:image_safety]]' }), NoImageError)
      assert.equal(conversation.history.length, 4)
      const restored = Conversation.fromJSON(JSON.stringify(conversation))
      assert.deepEqual(restored.history, conversation.history)
      const client = new Client({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl })
      const chat = client.restoreChat(conversation.toJSON())
      assert.equal(chat.model, 'gemini-3-pro-image-preview')
      assert.equal(chat.history.length, 4)
    } finally {
      await emulator.close()
    }
  })

  test('bad arguments are typed errors naming the field', () => {
    assert.throws(() => buildRequest({ prompt: 'x' }), { name: 'InvalidRequestError', field: 'apiKey' })
    assert.throws(() => buildRequest({ apiKey: 'k', prompt: 'x', imageSize: '3K' }), { field: 'image_size' })
    assert.throws(() => parseResponse(99, {}, ''), { field: 'status' })
    assert.throws(() => parseResponse(200, {}, 42), { field: 'body' })
  })
})

describe('emulator handle', () => {
  test('baseUrl, gatewayUrl, requestCount, close; a key check when given', async () => {
    const emulator = await startEmulator({ apiKey: 'only-this' })
    assert.match(emulator.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(emulator.gatewayUrl, `${emulator.baseUrl}/gemini`)
    assert.equal(emulator.requestCount(), 0)
    const google = new Client({ apiKey: 'only-this', baseUrl: emulator.baseUrl })
    assert.ok((await google.generate('a fox')).image)
    await assert.rejects(new Client({ apiKey: 'other', baseUrl: emulator.gatewayUrl, maxRetries: 0 }).generate('a fox'), {
      name: 'AuthenticationError',
    })
    assert.equal(emulator.requestCount(), 2)
    await emulator.close()
    await emulator.close() // idempotent
    await assert.rejects(google.generate('a fox'), { name: 'NetworkError' })
  })

  test('a fixed port, and latency', async () => {
    const probe = await startEmulator()
    const port = Number(new URL(probe.baseUrl).port)
    await probe.close()
    const emulator = await startEmulator({ port, latencyMs: 200 })
    try {
      assert.equal(emulator.baseUrl, `http://127.0.0.1:${port}`)
      const started = performance.now()
      await new Client({ apiKey: 'k', baseUrl: emulator.gatewayUrl }).generate('a fox')
      assert.ok(performance.now() - started >= 190)
      await assert.rejects(startEmulator({ port }), { kind: 'internal' })
    } finally {
      await emulator.close()
    }
    await assert.rejects(startEmulator({ port: 70000 }), { field: 'port' })
  })

  test('cacheBytes bounds the image cache; a bad value names the option', async () => {
    const emulator = await startEmulator({ cacheBytes: 0 })
    try {
      const client = new Client({ apiKey: 'k', baseUrl: emulator.gatewayUrl, model: 'gemini-2.5-flash-image' })
      for (const prompt of ['one', 'two', 'one']) assert.ok((await client.generate(prompt)).image)
    } finally {
      await emulator.close()
    }
    await assert.rejects(startEmulator({ cacheBytes: -1 }), { field: 'cacheBytes' })
    await assert.rejects(startEmulator({ cacheBytes: 1.5 }), { field: 'cacheBytes' })
  })
})
