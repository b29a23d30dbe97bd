// Times gemini-image (this package) against the official @google/genai on the same
// offline emulator: generate, edit and stream with 1, 8 and 20 MB images; peak memory.
//
//   cd node && npm run build:release && cd benchmarks && npm install && node bench-vs-google-genai.mjs
//
// Each (SDK, operation, size) runs in its own child process (one warm-up call, then timed
// calls), so the peak RSS it reports is that SDK's alone; the emulator runs in this
// (parent) process. Both SDKs get the image bytes as a Buffer at the end of each call.
// Edits send a 1 MB input image; the size is the output image's.
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

const SIZES = [1, 8, 20]
const OPS = ['generate', 'edit', 'stream']
const SDKS = ['gemini-image', '@google/genai']
const MODEL = 'gemini-2.5-flash-image'
const runsFor = (mb) => (mb >= 20 ? 5 : mb >= 8 ? 7 : 9)

async function child(sdk, op, mb, baseUrl) {
  const prompt = `a red fox in the snow [[bytes:${mb}m]]`
  const input = op === 'edit' ? await inputImage(baseUrl) : null
  let call
  if (sdk === 'gemini-image') {
    const { Client } = await import('gemini-image')
    const client = new Client({ apiKey: 'test-key', baseUrl, model: MODEL, timeoutMs: 300_000 })
    call = {
      generate: async () => (await client.generate(prompt)).image.data,
      edit: async () => (await client.edit({ prompt, images: [input] })).image.data,
      stream: async () => {
        let data = null
        for await (const event of client.stream(prompt)) if (event.type === 'image') data = event.image.data
        return data
      },
    }[op]
  } else {
    const { GoogleGenAI } = await import('@google/genai')
    const ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { apiVersion: 'v1beta', baseUrl } })
    const config = { responseModalities: ['TEXT', 'IMAGE'] }
    const imageOf = (response) => {
      for (const part of response.candidates?.[0]?.content?.parts ?? []) {
        if (part.inlineData?.data) return Buffer.from(part.inlineData.data, 'base64')
      }
      return null
    }
    call = {
      generate: async () => imageOf(await ai.models.generateContent({ model: MODEL, contents: prompt, config })),
      edit: async () =>
        imageOf(
          await ai.models.generateContent({
            model: MODEL,
            contents: [{ role: 'user', parts: [{ text: prompt }, { inlineData: { mimeType: 'image/png', data: input.toString('base64') } }] }],
            config,
          }),
        ),
      stream: async () => {
        let data = null
        for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: prompt, config })) {
          data = imageOf(chunk) ?? data
        }
        return data
      },
    }[op]
  }
  const warm = await call()
  if (!warm || warm.length < mb * 1e6 * 0.9) throw new Error(`${sdk} ${op}: got ${warm?.length} bytes, expected ~${mb} MB`)
  const times = []
  for (let i = 0; i < runsFor(mb); i++) {
    const started = performance.now()
    const data = await call()
    times.push(performance.now() - started)
    if (!data) throw new Error('no image')
  }
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)]
  process.stdout.write(JSON.stringify({ median, min: times[0], maxRssMb: peakRssMb() }))
}

// The peak RSS of this process: VmHWM belongs to this address space (getrusage's maxRSS
// would start from the parent's RSS at fork time on Linux).
function peakRssMb() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const kb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1])
    if (kb > 0) return kb / 1024
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024
}

async function inputImage(baseUrl) {
  const { Client } = await import('gemini-image')
  const client = new Client({ apiKey: 'test-key', baseUrl, model: MODEL })
  return (await client.generate('an input photo of a meadow [[bytes:1m]]')).image.data
}

async function main() {
  const { startEmulator } = await import('gemini-image')
  const emulator = await startEmulator()
  const self = fileURLToPath(import.meta.url)
  const rows = []
  try {
    for (const op of OPS) {
      for (const mb of SIZES) {
        const row = { op, mb }
        for (const sdk of SDKS) {
          const out = spawnSync(process.execPath, [self, '--child', sdk, op, String(mb), emulator.baseUrl], {
            encoding: 'utf8',
            maxBuffer: 1 << 20,
          })
          if (out.status !== 0) throw new Error(`${sdk} ${op} ${mb} MB failed:\n${out.stderr}`)
          row[sdk] = JSON.parse(out.stdout)
        }
        rows.push(row)
        const ours = row['gemini-image']
        const theirs = row['@google/genai']
        console.error(
          `${op.padEnd(8)} ${String(mb).padStart(2)} MB  gemini-image ${ours.median.toFixed(1)} ms, ${ours.maxRssMb.toFixed(0)} MB peak | @google/genai ${theirs.median.toFixed(1)} ms, ${theirs.maxRssMb.toFixed(0)} MB peak | ${(theirs.median / ours.median).toFixed(1)}x faster, ${(ours.maxRssMb / theirs.maxRssMb).toFixed(2)}x the memory`,
        )
      }
    }
  } finally {
    await emulator.close()
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  console.log(`| operation | size | gemini-image median (ms) | @google/genai median (ms) | speed-up | gemini-image peak RSS (MB) | @google/genai peak RSS (MB) |`)
  console.log(`|---|---|---|---|---|---|---|`)
  for (const r of rows) {
    const a = r['gemini-image']
    const b = r['@google/genai']
    console.log(
      `| ${r.op} | ${r.mb} MB | ${a.median.toFixed(1)} | ${b.median.toFixed(1)} | ${(b.median / a.median).toFixed(1)}x | ${a.maxRssMb.toFixed(0)} | ${b.maxRssMb.toFixed(0)} |`,
    )
  }
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} x ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`)
  try {
    console.log(`addon: ${execFileSync('ls', [new URL('../', import.meta.url).pathname]).toString().split('\n').filter((f) => f.endsWith('.node')).join(', ')}`)
  } catch {
    // informational only
  }
}

if (process.argv[2] === '--child') {
  const [, , , sdk, op, mb, baseUrl] = process.argv
  child(sdk, op, Number(mb), baseUrl).catch((err) => {
    console.error(err)
    process.exit(1)
  })
} else {
  main().catch((err) => {
    console.error(err)
    process.exit(1)
  })
}
