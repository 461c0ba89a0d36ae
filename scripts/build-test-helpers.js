'use strict'
// npm test's build of the test-only native helper in test/native (the RIO
// loopback that test/rio-real.test.ts drives real Registered I/O with), with
// node-gyp like the addon itself. Windows only: that is where RIO exists, and
// the helper is Winsock code. Elsewhere it says so and does nothing
// (npm run test:windows cross-builds it for Wine in scripts/windows/build.js).
//
// It builds into test/native/build/, which no release reaches: package.json
// "files" ships only the root binding.gyp and native/, and prebuildify builds
// the root binding.gyp.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const dir = path.resolve(__dirname, '..', 'test', 'native')

function nodeGyp(command) {
  execFileSync(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), command, '--directory', dir],
    { stdio: 'inherit' })
}

if (process.platform !== 'win32') {
  console.log(`test helpers (test/native): skipped on ${process.platform}; they are built on Windows only, where RIO exists`)
} else {
  try {
    build()
  } catch (error) {
    console.error(`test helpers (test/native): ${error.message}`)
    process.exit(1)
  }
}

function build() {
  // Configured once, then built incrementally; a failed incremental build
  // (a stale configuration, another Node) gets one clean rebuild.
  const configured = fs.existsSync(path.join(dir, 'build', 'config.gypi'))
  try {
    nodeGyp(configured ? 'build' : 'rebuild')
  } catch (error) {
    if (!configured) throw error
    nodeGyp('rebuild')
  }
  console.log(`test helpers (test/native): ${path.join(dir, 'build', 'Release', 'rio_loopback.node')}`)
}
