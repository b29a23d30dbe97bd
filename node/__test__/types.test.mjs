// index.d.ts and the runtime agree: every declared value export exists, and the public
// declarations use no `any` or `unknown`.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

import * as pkg from 'gemini-image'

const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')

test('every value declared in index.d.ts is exported', () => {
  const declared = [...dts.matchAll(/^export declare (?:class|function|const) (\w+)/gm)].map((m) => m[1])
  assert.ok(declared.length > 20)
  for (const name of declared) assert.notEqual(pkg[name], undefined, `${name} is declared but not exported`)
  const exported = Object.keys(pkg).filter((k) => k !== 'default' && !k.startsWith('_'))
  for (const name of exported) assert.ok(declared.includes(name), `${name} is exported but not declared`)
})

test('no any or unknown in the public types', () => {
  const code = dts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
  assert.doesNotMatch(code, /\b(any|unknown)\b/)
})
