'use strict'
// The simulated-RIO test build for this (POSIX) machine: binding.gyp's
// target with simulated_rio=1, compiled straight with the host compiler
// into .simulated/build/Release, where only the tests that ask for it (via
// RIO_BUFFER_POOL_SIMULATED) load it. Never in build/ or prebuilds/, so it
// can reach neither `npm install` nor a release.
const path = require('node:path')
const { compileAddon } = require('./compile-addon.js')
const { gypTarget } = require('./gyp-target.js')

const root = path.resolve(__dirname, '..')
const gypOs = { darwin: 'mac', win32: 'win' }[process.platform] ?? process.platform

// `sanitize`: the AddressSanitizer and UBSan variant (npm run test:asan), in .asan/.
async function buildSimulated({ sanitize = false } = {}) {
  const outDir = path.join(root, sanitize ? '.asan' : '.simulated')
  const target = gypTarget(path.join(root, 'binding.gyp'), 'rio_buffer_pool', { OS: gypOs, simulated_rio: 1 })
  const sanitizers = sanitize ? ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=undefined', '-g'] : []
  const compileFlags = [
    ...sanitizers, sanitize ? '-O1' : '-O2', '-fPIC', '-fvisibility=hidden', '-pthread',
    ...target.cflags_cc,
    ...target.defines.map((d) => `-D${d}`),
    ...[require('node-api-headers').include_dir, ...target.include_dirs].map((d) => `-I${d}`),
  ]
  const linkFlags = [
    ...sanitizers,
    ...(process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared', '-pthread']),
    ...target.libraries,
  ]
  const output = path.join(outDir, 'build', 'Release', 'rio_buffer_pool.node')
  const result = await compileAddon({
    cxx: process.env.CXX || 'c++',
    root,
    sources: target.sources,
    compileFlags,
    linkFlags,
    objDir: path.join(outDir, 'build', 'obj'),
    output,
  })
  return { dir: outDir, output, ...result }
}

module.exports = { buildSimulated }

if (require.main === module) {
  if (process.platform === 'win32') {
    // Real Windows has the real RIO table: its tests need no stand-in.
    console.log('simulated RIO build: skipped on Windows (npm run test:windows cross-builds one from Linux)')
    process.exit(0)
  }
  buildSimulated().then(
    ({ output, compiled, linked }) => console.log(`simulated RIO build: ${output} (${compiled} compiled, ${linked ? 'linked' : 'up to date'})`),
    (error) => {
      console.error(error.message)
      process.exit(1)
    },
  )
}
