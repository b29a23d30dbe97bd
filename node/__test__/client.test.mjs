// The client against the emulator: generate, edit, stream, chat, batch, input types, results.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import util from 'node:util'
import { createRequire } from 'node:module'

import * as esm from 'gemini-image'
import { Client, GeminiImageError, GenerateResult, InvalidRequestError, NoImageError, startEmulator } from 'gemini-image'

const require = createRequire(import.meta.url)

let emulator
let client
before(async () => {
  emulator = await startEmulator()
  client = new Client({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, model: 'gemini-2.5-flash-image' })
})
after(async () => {
  await emulator.close()
})

describe('entry points', () => {
  test('require and import give the same objects', () => {
    const cjs = require('gemini-image')
    assert.equal(cjs.Client, esm.Client)
    assert.equal(cjs.NoImageError, esm.NoImageError)
    assert.equal(typeof esm.default.startEmulator, 'function')
  })
})

describe('generate', () => {
  test('returns a typed result with a PNG at the real size for 16:9', async () => {
    const result = await client.generate({ prompt: 'a red fox in the snow', aspectRatio: '16:9' })
    assert.ok(result instanceof GenerateResult)
    assert.equal(result.images.length, 1)
    assert.equal(result.image, result.images[0])
    assert.equal(result.image.mimeType, 'image/png')
    assert.equal(result.image.width, 1344)
    assert.equal(result.image.height, 768)
    assert.ok(Buffer.isBuffer(result.image.data))
    assert.deepEqual([...result.image.data.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47])
    assert.equal(result.finishReason, 'STOP')
    assert.equal(typeof result.text, 'string')
    assert.equal(result.thoughts, '')
    assert.deepEqual(result.thoughtImages, [])
    assert.ok(result.usage && result.usage.totalTokenCount > 0)
    assert.equal(typeof result.modelVersion, 'string')
    assert.ok(Array.isArray(result.safetyRatings))
  })

  test('a bare prompt string works; the model option overrides the client default', async () => {
    const result = await client.generate({ prompt: 'a lighthouse', model: 'gemini-3-pro-image-preview' })
    assert.equal(result.image.mimeType, 'image/jpeg')
    const plain = await client.generate('a lighthouse')
    assert.equal(plain.image.mimeType, 'image/png')
  })

  test('image.save picks the extension when the path has none', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gemini-image-'))
    const result = await client.generate('a cabin')
    const written = await result.image.save(path.join(dir, 'cabin'))
    assert.equal(written, path.join(dir, 'cabin.png'))
    assert.deepEqual(await readFile(written), result.image.data)
    const again = await result.image.save(path.join(dir, 'cabin'))
    assert.equal(again, path.join(dir, 'cabin-2.png'), 'an existing file is never replaced')
    const replaced = await result.image.save(path.join(dir, 'cabin.png'), { overwrite: true })
    assert.equal(replaced, path.join(dir, 'cabin.png'))
    await assert.rejects(result.image.save(path.join(written, 'inside-a-file')), (err) => {
      assert.ok(err instanceof GeminiImageError)
      assert.equal(err.field, 'path')
      return true
    })
  })

  test('an HTTP 200 without an image rejects with NoImageError', async () => {
    await assert.rejects(client.generate('a fox [[fault:refusal]]'), (err) => {
      assert.ok(err instanceof NoImageError)
      assert.equal(err.kind, 'no_image')
      assert.equal(err.finishReason, 'STOP')
      assert.match(err.text, /can't create/)
      return true
    })
  })
})

describe('input images', () => {
  const sources = async () => {
    const base = (await client.generate('a pebble')).image.data
    const dir = await mkdtemp(path.join(tmpdir(), 'gemini-image-in-'))
    const file = path.join(dir, 'in.png')
    await writeFile(file, base)
    const u8 = new Uint8Array(base.length + 8)
    u8.set(base, 4)
    const ab = base.buffer.slice(base.byteOffset, base.byteOffset + base.byteLength)
    return { base, file, view: u8.subarray(4, 4 + base.length), ab }
  }

  test('path string, Buffer, Uint8Array (with offset) and ArrayBuffer all edit', async () => {
    const { base, file, view, ab } = await sources()
    for (const [what, image] of [['path', file], ['Buffer', base], ['Uint8Array', view], ['ArrayBuffer', ab]]) {
      const result = await client.edit({ images: [image], prompt: `make it night (${what})` })
      assert.ok(result.image, what)
    }
    const single = await client.edit({ images: base, prompt: 'one image, not a list' })
    assert.ok(single.image)
  })

  test('bad inputs name the field', async () => {
    await assert.rejects(client.edit({ images: [], prompt: 'x' }), { name: 'InvalidRequestError', field: 'images' })
    await assert.rejects(client.generate({ prompt: 'x', images: [Buffer.from('png'), 42] }), {
      name: 'InvalidRequestError',
      field: 'images[1]',
    })
    await assert.rejects(client.generate({ prompt: 'x', images: ['/no/such/file.png'] }), (err) => {
      assert.ok(err instanceof InvalidRequestError || err.kind === 'io')
      assert.equal(err.field, 'images[0]')
      assert.match(err.message, /no\/such\/file\.png/)
      return true
    })
    await assert.rejects(client.generate({ prompt: 'x', images: [Buffer.from('not an image')] }), (err) => {
      assert.equal(err.kind, 'invalid_request')
      assert.match(err.field, /^images\[0\]/)
      return true
    })
    await assert.rejects(client.generate({ prompt: 'x', aspectRatio: '7:3' }), { field: 'aspect_ratio' })
    await assert.rejects(client.generate({ prompt: 'x', notAnOption: 1 }), { field: 'notAnOption' })
    await assert.rejects(client.generate({ prompt: 'x', thinking: { budget: 1 } }), { field: 'thinking.budget' })
    await assert.rejects(client.generate(42), { name: 'InvalidRequestError' })
  })
})

describe('stream', () => {
  test('yields events ending with done and the merged result', async () => {
    const kinds = []
    let final
    for await (const event of client.stream({ prompt: 'a cat', model: 'gemini-3-pro-image-preview' })) {
      kinds.push(event.type)
      if (event.type === 'image') assert.ok(Buffer.isBuffer(event.image.data))
      if (event.type === 'done') final = event.result
    }
    assert.equal(kinds.at(-1), 'done')
    assert.ok(kinds.includes('image'))
    assert.ok(final instanceof GenerateResult)
    assert.ok(final.image)
  })

  test('the done result reuses the image objects the events delivered', async () => {
    const delivered = []
    let final
    for await (const event of client.stream({ prompt: 'a heron', model: 'gemini-3-pro-image-preview' })) {
      if (event.type === 'image') delivered.push(event.image)
      if (event.type === 'done') final = event.result
    }
    assert.ok(delivered.length > 0)
    assert.equal(final.images.length, delivered.length)
    final.images.forEach((img, i) => assert.equal(img, delivered[i]))
    assert.equal(final.image, delivered[0])
  })

  test('result() reads to the end; errors surface as typed errors', async () => {
    const result = await client.stream('a dog').result()
    assert.ok(result.image)
    await assert.rejects(client.stream('x [[fault:stream_error]]').result(), (err) => {
      assert.equal(err.kind, 'server')
      return true
    })
  })

  test('breaking out of the loop closes the stream', async () => {
    for await (const event of client.stream('a bird')) {
      assert.ok(event.type)
      break
    }
  })
})

describe('chat', () => {
  test('turns accumulate; save and restore keep the history', async () => {
    const chat = client.chat({ model: 'gemini-3-pro-image-preview', aspectRatio: '1:1' })
    assert.equal(chat.model, 'gemini-3-pro-image-preview')
    const first = await chat.send('a cozy cabin')
    assert.equal(first.image.width, first.image.height)
    await chat.send({ prompt: 'now at dusk', aspectRatio: '16:9' })
    assert.equal(chat.history.length, 4)
    assert.deepEqual(
      chat.history.map((t) => t.role),
      ['user', 'model', 'user', 'model'],
    )
    await assert.rejects(chat.send('x [[fault:image_safety]]'), NoImageError)
    assert.equal(chat.history.length, 4, 'a failed turn is not recorded')
    const saved = JSON.stringify(chat)
    const restored = client.restoreChat(saved)
    assert.deepEqual(restored.history, chat.history)
    assert.equal(restored.model, chat.model)
    const third = await restored.send('add a sled')
    assert.equal(third.image.width, third.image.height, 'the chat options survive a restore')
    assert.equal(restored.history.length, 6)
    assert.match(util.inspect(restored), /turns: 6/)
    assert.throws(() => client.restoreChat('{"version": 9}'), { name: 'InvalidRequestError', field: 'conversation' })
  })
})

describe('batch', () => {
  test('results in input order with per-item errors and onResult', async () => {
    const seen = []
    const items = await client.batch(['one', { prompt: 'two [[fault:image_safety]]' }, 'three', 'four'], {
      concurrency: 2,
      onResult: (item) => seen.push(item.index),
    })
    assert.deepEqual(
      items.map((i) => [i.index, i.ok]),
      [
        [0, true],
        [1, false],
        [2, true],
        [3, true],
      ],
    )
    assert.ok(items[1].error instanceof NoImageError)
    assert.ok(items[0].result.image)
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3])
    assert.deepEqual(await client.batch([]), [])
    await assert.rejects(client.batch(['a'], { concurrency: 0 }), { field: 'concurrency' })
  })
})
