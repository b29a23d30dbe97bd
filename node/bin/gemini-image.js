#!/usr/bin/env node
// `npx gemini-image …`: the same command line as the Rust binary, run by the addon.
'use strict'
const { runCli } = require('../index.js')

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    console.error(`gemini-image: ${err.message}`)
    process.exitCode = 1
  },
)
