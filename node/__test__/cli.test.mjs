// The `gemini-image` command from the package: the bin entry and runCli().
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { runCli } from 'gemini-image'

const run = promisify(execFile)
const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'gemini-image.js')

async function cli(args, cwd) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}

describe('gemini-image command', () => {
  test('generate against the in-process emulator writes the image', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gemini-image-cli-'))
    const out = await cli(['generate', 'a red fox', '--emulator', '-o', 'fox'], dir)
    assert.equal(out.code, 0, out.stderr)
    assert.ok(existsSync(path.join(dir, 'fox.jpg')), out.stderr)
  })

  test('exit codes: usage error, no image', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gemini-image-cli-'))
    const usage = await cli(['generate'], dir)
    assert.equal(usage.code, 2)
    assert.match(usage.stderr, /PROMPT/)
    const refused = await cli(['generate', 'x [[fault:image_safety]]', '--emulator', '-o', 'y'], dir)
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /no_image/)
  })

  test('runCli resolves to the exit code', async () => {
    assert.equal(await runCli(['--version']), 0)
    await assert.rejects(runCli('generate'), { name: 'InvalidRequestError', field: 'args' })
  })
})
