// Unset Client options come from the environment and defaults, like the Rust client's
// ClientBuilder::from_env().
import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'

import { Client, DEFAULT_MODEL, InvalidRequestError } from 'gemini-image'

const VARS = ['THUCCHIEN_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GEMINI_IMAGE_BASE_URL', 'GEMINI_IMAGE_MODEL']
const saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]))
const clear = () => VARS.forEach((v) => delete process.env[v])

afterEach(() => {
  clear()
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v
})

describe('configuration', () => {
  test('defaults: the gateway and the default model', () => {
    clear()
    const client = new Client({ apiKey: 'k' })
    assert.equal(client.baseUrl, 'https://api.thucchien.ai/gemini')
    assert.equal(client.model, DEFAULT_MODEL)
  })

  test('environment variables fill unset options; options win', () => {
    clear()
    process.env.THUCCHIEN_API_KEY = 'env-key'
    process.env.GEMINI_IMAGE_BASE_URL = 'http://127.0.0.1:9/gemini'
    process.env.GEMINI_IMAGE_MODEL = 'gemini-3-pro-image-preview'
    const fromEnv = new Client()
    assert.equal(fromEnv.baseUrl, 'http://127.0.0.1:9/gemini')
    assert.equal(fromEnv.model, 'gemini-3-pro-image-preview')
    const explicit = new Client({ baseUrl: 'http://localhost:1', model: 'gemini-2.5-flash-image' })
    assert.equal(explicit.baseUrl, 'http://localhost:1')
    assert.equal(explicit.model, 'gemini-2.5-flash-image')
  })

  test('a Google key without a base URL goes to Google', () => {
    clear()
    process.env.GOOGLE_API_KEY = 'google-key'
    assert.equal(new Client().baseUrl, 'https://generativelanguage.googleapis.com')
  })

  test('no key: InvalidRequestError on api_key that says how to set one', () => {
    clear()
    assert.throws(
      () => new Client(),
      (err) => {
        assert.ok(err instanceof InvalidRequestError)
        assert.equal(err.field, 'api_key')
        assert.equal(err.remedy, 'set_api_key')
        assert.match(err.message, /apiKey/)
        assert.match(err.message, /THUCCHIEN_API_KEY/)
        return true
      },
    )
  })
})
