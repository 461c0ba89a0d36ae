'use strict'
// npm test's build of the test-only native helpers in test/native, with
// node-gyp like the addon itself: on Windows the RIO loopback that
// test/rio/rio-real.test.ts drives real Registered I/O with (Winsock code), on
// Linux the io_uring submitter of test/io-uring/*.test.ts. Elsewhere it says
// so and does nothing (npm run test:windows cross-builds the RIO one for
// Wine in scripts/windows/build.js).
//
// It builds into test/native/build/, which no release reaches: package.json
// "files" ships only the root binding.gyp and native/ (less the test-only
// native/simulated/), and prebuildify builds the root binding.gyp.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const dir = path.resolve(__dirname, '..', 'test', 'native')

function nodeGyp(command) {
  execFileSync(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), command, '--directory', dir],
    { stdio: 'inherit' })
}

const helpers = { win32: 'rio_loopback.node', linux: 'io_uring_ring.node' }

if (!(process.platform in helpers)) {
  console.log(`test helpers (test/native): skipped on ${process.platform}; they are built on Windows (RIO) and Linux (io_uring) only`)
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
  console.log(`test helpers (test/native): ${path.join(dir, 'build', 'Release', helpers[process.platform])}`)
}
