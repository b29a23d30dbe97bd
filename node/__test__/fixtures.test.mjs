// Every shared test vector (tests/fixtures/cases, schema in tests/fixtures/README.md) in
// both modes: sans-IO (buildRequest / parseResponse / StreamParser / retryDelayMs, no
// network) and end to end (a loopback node:http server serves the canned responses to a
// real Client with retry jitter 0 and a recording sleeper).
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { createRequire } from 'node:module'

import { Conversation, NoImageError, StreamParser, buildRequest, parseResponse, retryDelayMs } from 'gemini-image'
import { startLoopback } from './support/loopback.mjs'

const { _testing } = createRequire(import.meta.url)('gemini-image')
const here = path.dirname(fileURLToPath(import.meta.url))
const CASES_DIR = process.env.GEMINI_IMAGE_CASES_DIR || path.join(here, '..', '..', 'tests', 'fixtures', 'cases')
const STREAM_PIECE = 7
const CLIENT_KEYS = new Set(['api_key', 'base_url', 'max_inline_bytes', 'model', 'prompt', 'images'])

function loadCases(dir) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) out.push(...loadCases(full))
    else if (name.endsWith('.json')) {
      const c = JSON.parse(readFileSync(full, 'utf8'))
      const id = path.relative(CASES_DIR, full).replace(/\\/g, '/').replace(/\.json$/, '')
      assert.equal(c.id, id, `${full}: id`)
      out.push(c)
    }
  }
  return out
}

function render(response) {
  const headers = { ...(response.headers ?? {}) }
  let body
  let sse = false
  if ('json' in response) body = Buffer.from(JSON.stringify(response.json))
  else if ('body_text' in response) body = Buffer.from(response.body_text)
  else {
    sse = true
    const eol = response.sse_eol ?? '\r\n'
    body = Buffer.from(
      response.sse.map((item) => (typeof item === 'string' ? item : `data: ${JSON.stringify(item)}`) + eol + eol).join(''),
    )
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'text/event-stream'
  }
  return { status: response.status, headers, body, sse }
}

/** The JS request of a case input: options as given (snake_case keys are accepted). */
function requestOf(input) {
  const request = {}
  for (const [key, value] of Object.entries(input)) if (!CLIENT_KEYS.has(key)) request[key] = value
  if (input.model !== undefined) request.model = input.model
  if (input.prompt !== undefined) request.prompt = input.prompt
  if (input.images) {
    request.images = input.images.map((img) => ({ data: Buffer.from(img.data_b64 ?? '', 'base64'), mimeType: img.mime_type ?? '' }))
  }
  return request
}

// --- comparisons (mirroring tests/conformance/src/lib.rs) -----------------------------

function jsonDiff(p, want, got, out) {
  if (want && typeof want === 'object' && !Array.isArray(want) && got && typeof got === 'object' && !Array.isArray(got)) {
    for (const k of Object.keys(want)) {
      if (!(k in got)) out.push(`${p}.${k}: missing (expected ${JSON.stringify(want[k])})`)
      else jsonDiff(`${p}.${k}`, want[k], got[k], out)
    }
    for (const k of Object.keys(got)) if (!(k in want)) out.push(`${p}.${k}: unexpected ${JSON.stringify(got[k])}`)
  } else if (Array.isArray(want) && Array.isArray(got)) {
    want.forEach((w, i) => i < got.length && jsonDiff(`${p}[${i}]`, w, got[i], out))
    if (want.length !== got.length) out.push(`${p}: expected ${want.length} items, got ${got.length}`)
  } else if (JSON.stringify(want) !== JSON.stringify(got)) {
    out.push(`${p}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`)
  }
}

const pathAndQuery = (url) => {
  const m = /^[a-z]+:\/\/[^/]*(\/.*)?$/i.exec(url)
  return m ? (m[1] ?? '/') : url
}

function checkRequest(want, got, exactUrl) {
  const problems = []
  if ((want.method ?? 'POST').toUpperCase() !== got.method.toUpperCase()) problems.push(`method ${got.method}`)
  const [w, g] = exactUrl ? [want.url, got.url] : [pathAndQuery(want.url), pathAndQuery(got.url)]
  if (w !== g) problems.push(`url: expected ${w}, got ${g}`)
  const headers = Object.fromEntries(Object.entries(got.headers).map(([k, v]) => [k.toLowerCase(), v]))
  for (const [name, value] of Object.entries(want.headers ?? {})) {
    if (headers[name.toLowerCase()] !== value) problems.push(`header ${name}: expected ${value}, got ${headers[name.toLowerCase()]}`)
  }
  for (const name of want.absent_headers ?? []) {
    if (name.toLowerCase() in headers) problems.push(`header ${name} must be absent`)
  }
  let body
  try {
    body = JSON.parse(got.body.toString('utf8'))
  } catch (e) {
    problems.push(`body is not JSON: ${e.message}`)
  }
  if (body !== undefined) jsonDiff('json', want.json ?? null, body, problems)
  return problems
}

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
const camelize = (v) =>
  Array.isArray(v)
    ? v.map(camelize)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), camelize(x)]))
      : v
const imagesOf = (list) => list.map((img) => ({ mime_type: img.mimeType, data_b64: img.data.toString('base64') }))

function checkResponse(expect, result) {
  const problems = []
  for (const [key, want] of Object.entries(expect)) {
    let got
    switch (key) {
      case 'images':
        got = imagesOf(result.images)
        break
      case 'thought_images':
        got = imagesOf(result.thoughtImages)
        break
      case 'text':
        got = result.text
        break
      case 'thought_text':
        got = result.thoughts
        break
      case 'finish_reason':
      case 'finish_message':
      case 'block_reason':
      case 'model_version':
      case 'response_id':
        got = result[camel(key)]
        break
      case 'thought_signatures':
        got = result.thoughtSignatures
        break
      case 'safety_ratings':
        got = result.safetyRatings.map((r) => ({ category: r.category, probability: r.probability }))
        break
      case 'usage': {
        const usage = result.usage ?? {}
        const gotUsage = {}
        for (const [k, v] of Object.entries(want)) gotUsage[camel(k)] = usage[camel(k)] ?? (Array.isArray(v) ? [] : null)
        jsonDiff('usage', camelize(want), gotUsage, problems)
        continue
      }
      case 'attempts':
      case 'events':
        continue
      default:
        problems.push(`expect.${key} is not a known field`)
        continue
    }
    jsonDiff(key, want, got, problems)
  }
  return problems
}

function checkError(want, err) {
  const problems = []
  for (const [key, value] of Object.entries(want)) {
    let got
    switch (key) {
      case 'kind':
        got = err.kind
        break
      case 'field':
        got = err.field ?? null
        break
      case 'http_status':
        got = err.statusCode
        break
      case 'status':
        got = err.status ?? null
        break
      case 'retryable':
        got = err.retryable
        break
      case 'retry_after_ms':
        got = err.retryAfterMs ?? null
        break
      case 'message_contains':
        if (!err.message.includes(value)) problems.push(`message should contain ${JSON.stringify(value)}: ${err.message}`)
        continue
      case 'finish_reason':
      case 'finish_message':
      case 'block_reason':
      case 'text':
        got = err[camel(key)] ?? null
        break
      case 'attempts':
        continue
      default:
        problems.push(`expect_error.${key} is not a known field`)
        continue
    }
    jsonDiff(`error.${key}`, value, got, problems)
  }
  return problems
}

/** Outcome: { result | error, raw (faithful parse, for no_image), attempts, events }. */
function checkOutcome(expect, expectError, outcome) {
  const problems = []
  if (outcome.error) {
    if (expectError) problems.push(...checkError(expectError, outcome.error))
    else problems.push(`expected success, got ${outcome.error.name}: ${outcome.error.message}`)
  } else if (expectError) {
    problems.push(`expected error ${expectError.kind}, got success`)
  }
  for (const source of [expect, expectError]) {
    if (!source) continue
    if ('attempts' in source && source.attempts !== outcome.attempts) {
      problems.push(`attempts: expected ${source.attempts}, got ${outcome.attempts}`)
    }
    if ('events' in source) jsonDiff('events', source.events, outcome.events ?? null, problems)
  }
  const needsResponse = expect && Object.keys(expect).some((k) => k !== 'attempts' && k !== 'events')
  if (needsResponse) {
    const response = outcome.result ?? outcome.raw
    if (response) problems.push(...checkResponse(expect, response))
    else problems.push('expect lists response fields, but no response was parsed')
  }
  return problems
}

// --- sans-IO ----------------------------------------------------------------------------

function parseStreamBody(body, piece) {
  const parser = new StreamParser()
  const events = []
  try {
    for (let at = 0; at < body.length; at += piece) events.push(...parser.feed(body.subarray(at, at + piece)))
    const tail = parser.finish({ raw: true })
    events.push(...tail)
    return { raw: tail.at(-1).result, events: events.map((e) => e.type) }
  } catch (error) {
    return { error, events: events.map((e) => e.type) }
  }
}

function sansIoExchange(expectRequest, request, stream, responses, expect, expectError, clientInput, finishTurn) {
  const problems = []
  let built
  try {
    built = buildRequest({
      apiKey: clientInput.api_key ?? 'test-key',
      ...(clientInput.base_url !== undefined ? { baseUrl: clientInput.base_url } : {}),
      ...(clientInput.max_inline_bytes !== undefined ? { maxInlineBytes: clientInput.max_inline_bytes } : {}),
      model: request.model ?? '',
      stream,
      ...request,
    })
  } catch (error) {
    return { problems: [...problems, ...checkOutcome(expect, expectError, { error, attempts: 0 })], ok: false }
  }
  assert.ok(Buffer.isBuffer(built.body))
  if (built.headers['x-goog-api-key'] === undefined) problems.push('no key header')
  problems.push(...checkRequest(expectRequest, built, true))
  let attempts = 0
  let outcome
  for (const canned of responses.map(render)) {
    attempts++
    if (stream && canned.status >= 200 && canned.status < 300) {
      const pieces = parseStreamBody(canned.body, STREAM_PIECE)
      const whole = parseStreamBody(canned.body, canned.body.length || 1)
      if (JSON.stringify(pieces.events) !== JSON.stringify(whole.events) || !!pieces.error !== !!whole.error) {
        problems.push('the stream parses differently in pieces and whole')
      }
      outcome = { ...pieces, events: pieces.error ? pieces.events : [...pieces.events.filter((e) => e !== 'done'), 'done'] }
      if (!pieces.error) {
        try {
          outcome.result = finishTurn(() => {
            const parser = new StreamParser()
            parser.feed(canned.body)
            return parser.finish().at(-1).result
          })
        } catch (error) {
          outcome.error = error
        }
      }
      break
    }
    let raw
    try {
      raw = parseResponse(canned.status, canned.headers, canned.body, { raw: true })
    } catch (error) {
      outcome = { error }
      if (retryDelayMs(attempts, canned.status, canned.headers, canned.body) !== null) {
        if (attempts === responses.length) problems.push(`the client would retry after attempt ${attempts}, but the case lists no more`)
        continue
      }
      break
    }
    outcome = { raw }
    try {
      outcome.result = finishTurn(() => parseResponse(canned.status, canned.headers, canned.body))
    } catch (error) {
      outcome.error = error
    }
    break
  }
  if (attempts < responses.length) problems.push(`stopped after ${attempts} attempt(s) of ${responses.length}`)
  outcome.attempts = attempts
  problems.push(...checkOutcome(expect, expectError, outcome))
  return { problems, ok: !outcome.error }
}

function runSansIoConversation(c) {
  const problems = []
  const conversation = new Conversation({ ...(c.config ?? {}), model: c.model })
  const endpoint = { apiKey: c.api_key ?? 'test-key' }
  for (const [i, turn] of c.turns.entries()) {
    const turnProblems = []
    const outcome = { attempts: 0 }
    let built
    try {
      built = conversation.beginTurn({ ...endpoint, ...requestOf(turn.input) })
    } catch (error) {
      outcome.error = error
    }
    if (built) {
      if (turn.expect_request) turnProblems.push(...checkRequest(turn.expect_request, built, true))
      else turnProblems.push('expected the turn to be refused, but it was built')
      const responses = (turn.responses ?? []).map(render)
      let last
      for (const canned of responses) {
        outcome.attempts++
        last = canned
        let failed = false
        try {
          parseResponse(canned.status, canned.headers, canned.body, { raw: true })
        } catch {
          failed = true
        }
        if (!failed || retryDelayMs(outcome.attempts, canned.status, canned.headers, canned.body) === null) break
      }
      if (outcome.attempts < responses.length) turnProblems.push(`stopped after ${outcome.attempts} of ${responses.length} responses`)
      try {
        outcome.result = conversation.completeTurn(last.status, last.headers, last.body)
      } catch (error) {
        outcome.error = error
        if (error instanceof NoImageError) outcome.raw = parseResponse(last.status, last.headers, last.body, { raw: true })
      }
    }
    turnProblems.push(...checkOutcome(turn.expect, turn.expect_error, outcome))
    problems.push(...turnProblems.map((p) => `turn ${i + 1}: ${p}`))
  }
  const restored = Conversation.fromJSON(JSON.stringify(conversation))
  jsonDiff('restored history', conversation.history, restored.history, problems)
  return problems
}

function runSansIo(c) {
  if (c.operation === 'conversation') return runSansIoConversation(c)
  if (!c.expect_request) {
    // A validation failure: nothing is built.
    try {
      buildRequest({
        apiKey: c.input.api_key ?? 'test-key',
        ...(c.input.base_url !== undefined ? { baseUrl: c.input.base_url } : {}),
        ...(c.input.max_inline_bytes !== undefined ? { maxInlineBytes: c.input.max_inline_bytes } : {}),
        model: c.input.model ?? '',
        ...requestOf(c.input),
      })
      return ['expected the request to be refused, but it was built']
    } catch (error) {
      return checkOutcome(c.expect, c.expect_error, { error, attempts: 0 })
    }
  }
  const { problems } = sansIoExchange(c.expect_request, requestOf(c.input), c.operation === 'stream', c.responses, c.expect, c.expect_error, c.input, (f) => f())
  return problems
}

// --- end to end -------------------------------------------------------------------------

function loopbackBase(caseBase, url) {
  const base = caseBase ?? 'https://api.thucchien.ai/gemini'
  const m = /^https?:\/\/[^/]*(\/.*)?$/.exec(base)
  return m ? url + (m[1] ?? '') : base
}

function clientFor(server, input) {
  return _testing.recordingClient({
    apiKey: input.api_key ?? 'test-key',
    baseUrl: loopbackBase(input.base_url, server.url),
    timeoutMs: 30_000,
    ...(input.max_inline_bytes !== undefined ? { maxInlineBytes: input.max_inline_bytes } : {}),
  })
}

function checkExchange(expectRequest, responses, requests, attempts, waits) {
  const problems = []
  if (expectRequest) {
    if (requests.length === 0) problems.push('no request reached the server')
    requests.forEach((r, i) =>
      problems.push(...checkRequest(expectRequest, { method: r.method, url: r.target, headers: r.headers, body: r.body }, false).map((p) => `attempt ${i + 1}: ${p}`)),
    )
  } else if (requests.length) {
    problems.push(`${requests.length} request(s) sent, but the case expects the request to be refused`)
  }
  if (attempts !== undefined && attempts !== requests.length) problems.push(`server saw ${requests.length}, expected ${attempts}`)
  if (waits.length + 1 !== Math.max(requests.length, 1)) problems.push(`${waits.length} wait(s) for ${requests.length} attempt(s)`)
  waits.forEach((wait, i) => {
    const canned = render(responses[i])
    const want = retryDelayMs(i + 1, canned.status, canned.headers, canned.body)
    if (want === null || Math.abs(want - wait) > 0.001) problems.push(`wait ${i + 1} was ${wait} ms; the policy says ${want}`)
  })
  return problems
}

async function runEndToEndSingle(c) {
  const responses = (c.responses ?? []).map(render)
  const server = await startLoopback(responses)
  const problems = []
  try {
    let client
    const outcome = { attempts: 0 }
    try {
      client = clientFor(server, c.input)
    } catch (error) {
      outcome.error = error
    }
    if (client) {
      const request = requestOf(c.input)
      if (c.operation === 'stream') {
        const events = []
        try {
          for await (const event of client.stream(request)) {
            events.push(event.type)
            if (event.type === 'done') outcome.result = event.result
          }
        } catch (error) {
          outcome.error = error
          // A stream without a final image ends normally, then fails the collection.
          if (error instanceof NoImageError) events.push('done')
        }
        outcome.events = events
      } else {
        try {
          outcome.result = await client.generate(request)
        } catch (error) {
          outcome.error = error
        }
      }
      outcome.attempts = server.requests.length
      const waits = _testing.takeRetryWaits(client)
      problems.push(...checkExchange(c.expect_request, c.responses ?? [], server.requests, undefined, waits))
      if (outcome.error instanceof NoImageError && c.operation !== 'stream') {
        // The faithful parse of the same answer, for the case's `expect`.
        const again = await startLoopback(responses.slice(-1))
        try {
          outcome.raw = await _testing.generateRaw(clientFor(again, c.input), request)
        } finally {
          await again.close()
        }
      } else if (outcome.error instanceof NoImageError) {
        const body = responses.at(-1).body
        const parser = new StreamParser()
        parser.feed(body)
        outcome.raw = parser.finish({ raw: true }).at(-1).result
      }
    }
    problems.push(...checkOutcome(c.expect, c.expect_error, outcome))
  } finally {
    await server.close()
  }
  return problems
}

async function runEndToEndConversation(c) {
  const responses = c.turns.flatMap((t) => (t.responses ?? []).map(render))
  const server = await startLoopback(responses)
  const problems = []
  try {
    const client = clientFor(server, { api_key: c.api_key })
    const chat = client.chat({ ...(c.config ?? {}), model: c.model })
    for (const [i, turn] of c.turns.entries()) {
      const before = server.requests.length
      const outcome = {}
      try {
        outcome.result = await chat.send(requestOf(turn.input))
      } catch (error) {
        outcome.error = error
      }
      const requests = server.requests.slice(before)
      outcome.attempts = requests.length
      const waits = _testing.takeRetryWaits(client)
      const turnProblems = checkExchange(turn.expect_request, turn.responses ?? [], requests, undefined, waits)
      if (outcome.error instanceof NoImageError) {
        const canned = render(turn.responses.at(-1))
        outcome.raw = parseResponse(canned.status, canned.headers, canned.body, { raw: true })
      }
      turnProblems.push(...checkOutcome(turn.expect, turn.expect_error, outcome))
      problems.push(...turnProblems.map((p) => `turn ${i + 1}: ${p}`))
    }
  } finally {
    await server.close()
  }
  return problems
}

const cases = loadCases(CASES_DIR)

describe('shared test vectors', () => {
  test(`found the cases (${cases.length})`, () => {
    assert.ok(cases.length >= 50, `only ${cases.length} cases under ${CASES_DIR}`)
  })

  describe('sans-IO', () => {
    for (const c of cases) {
      test(c.id, () => {
        const problems = runSansIo(c)
        assert.deepEqual(problems, [], `${c.id}: ${c.description}`)
      })
    }
  })

  describe('end to end (loopback server)', () => {
    for (const c of cases) {
      test(c.id, async () => {
        const problems = c.operation === 'conversation' ? await runEndToEndConversation(c) : await runEndToEndSingle(c)
        assert.deepEqual(problems, [], `${c.id}: ${c.description}`)
      })
    }
  })
})
