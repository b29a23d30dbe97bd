// Compiled with `tsc --noEmit --strict` in CI: the public types as a user writes them.
import {
  Client,
  GeminiImageError,
  NoImageError,
  RateLimitError,
  buildRequest,
  parseResponse,
  startEmulator,
  type BatchItem,
  type GenerateResult,
  type StreamEvent,
} from 'gemini-image'

async function main(): Promise<void> {
  const emulator = await startEmulator()
  const client = new Client({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, timeoutMs: 30_000 })

  const result: GenerateResult = await client.generate({ prompt: 'a red fox', aspectRatio: '16:9', imageSize: '1K' })
  const width: number | null = result.image?.width ?? null
  const saved: string | undefined = await result.image?.save('fox')

  const edited = await client.edit({ images: [result.images[0].data], prompt: 'make it night' })
  console.log(width, saved, edited.text)

  for await (const event of client.stream({ prompt: 'a lighthouse', signal: AbortSignal.timeout(30_000) })) {
    const e: StreamEvent = event
    if (e.type === 'image') console.log(e.image.mimeType)
    if (e.type === 'done') console.log(e.result.finishReason)
  }

  const chat = client.chat({ model: 'gemini-3-pro-image-preview', keepLastImages: 2 })
  await chat.send('a cabin in the snow')
  await chat.send({ prompt: 'at dusk', aspectRatio: '1:1' })
  const again = client.restoreChat(JSON.stringify(chat))
  console.log(again.history.length, again.model)

  const items: BatchItem[] = await client.batch(['a', { prompt: 'b' }], {
    concurrency: 2,
    onResult: (item) => {
      if (!item.ok) console.log(item.error.code)
    },
  })
  console.log(items.length)

  try {
    await client.generate('a fox [[fault:image_safety]]')
  } catch (err) {
    if (err instanceof NoImageError) console.log(err.finishReason, err.text)
    else if (err instanceof RateLimitError) console.log(err.retryAfterMs)
    else if (err instanceof GeminiImageError) console.log(err.kind, err.statusCode, err.retryable)
  }

  const request = buildRequest({ apiKey: 'test-key', baseUrl: emulator.gatewayUrl, prompt: 'a fox' })
  const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body })
  const parsed = parseResponse(response.status, response.headers, await response.arrayBuffer())
  console.log(parsed.image?.mimeType, emulator.requestCount())
  await emulator.close()
}

void main()
