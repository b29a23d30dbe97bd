#!/usr/bin/env node
// The package's `install` script: makes sure the native addon for this platform exists.
//
// - In a packed tarball (`npm pack`) the addon is already inside: nothing to do, no cargo
//   needed.
// - `npm install ./node` from a checkout (Rust present): builds the addon with cargo
//   (release profile; GEMINI_IMAGE_BUILD_PROFILE=dev for a debug build) and copies it next
//   to the loader under the name the loader looks for (`gemini-image.<platform>.node`).
// - `npm install` inside node/ itself (development): skipped; `npm run build` builds with
//   the napi CLI.
// GEMINI_IMAGE_FORCE_BUILD=1 builds even when an addon is present.
'use strict'

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const pkgDir = path.resolve(__dirname, '..')
const repoRoot = path.resolve(pkgDir, '..')
const force = process.env.GEMINI_IMAGE_FORCE_BUILD === '1'

function platformSuffix() {
  const { platform, arch } = process
  if (platform === 'linux') {
    const report = process.report?.getReport?.()
    const glibc = report?.header?.glibcVersionRuntime
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

const target = path.join(pkgDir, `gemini-image.${platformSuffix()}.node`)

if (!force) {
  if (fs.existsSync(target)) process.exit(0)
  if (path.resolve(process.env.INIT_CWD || '') === pkgDir) {
    console.log('gemini-image: development install; build the addon with `npm run build`')
    process.exit(0)
  }
}

const manifest = path.join(repoRoot, 'bindings', 'node', 'Cargo.toml')
if (!fs.existsSync(manifest)) {
  console.error(
    `gemini-image: no prebuilt addon for ${platformSuffix()} in this package and no Rust sources to build one (${manifest}); ` +
      'install a tarball built for this platform (npm pack in node/) or install from a checkout of the repository',
  )
  process.exit(1)
}
const cargo = process.env.CARGO || 'cargo'
const profile = process.env.GEMINI_IMAGE_BUILD_PROFILE === 'dev' ? 'dev' : 'release'
console.log(`gemini-image: building the native addon with cargo (${profile} profile)…`)
const build = spawnSync(
  cargo,
  ['build', '--manifest-path', manifest, '-p', 'gemini-image-node', '--profile', profile, '--message-format=json-render-diagnostics'],
  { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 },
)
if (build.error) {
  console.error(`gemini-image: cannot run cargo (${build.error.message}); install Rust from https://rustup.rs`)
  process.exit(1)
}
if (build.status !== 0) {
  console.error('gemini-image: cargo build failed (see above)')
  process.exit(build.status ?? 1)
}
let artifact = null
for (const line of build.stdout.split('\n')) {
  if (!line.startsWith('{')) continue
  const msg = JSON.parse(line)
  if (msg.reason === 'compiler-artifact' && msg.target?.name === 'gemini_image_node') {
    artifact = msg.filenames.find((f) => /\.(so|dylib|dll)$/.test(f)) ?? artifact
  }
}
if (!artifact || !fs.existsSync(artifact)) {
  console.error('gemini-image: cargo built no addon library (no gemini_image_node cdylib reported)')
  process.exit(1)
}
fs.copyFileSync(artifact, target)
console.log(`gemini-image: installed ${path.basename(target)}`)
