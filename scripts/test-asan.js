'use strict'
// npm run test:asan (Linux, not part of npm test): the simulated-RIO addon
// built with AddressSanitizer and UBSan into .asan/, then the hostile, arena
// and native tests with every addon load going to it. Node itself is not
// instrumented, so the sanitizer runtime is preloaded; leak checking is off
// because Node does not free everything at exit by design.
const { execFileSync, spawnSync } = require('node:child_process')
const path = require('node:path')
const { buildSimulated } = require('./build-simulated.js')
const { testFiles } = require('./test-files.js')

const root = path.resolve(__dirname, '..')
// pool-reentrancy: a Registrar calling back into its pool; deregister-once: a
// closed arena collected later; io-uring-registrar and io-uring-ownership: real
// rings, descriptors closed by someone else, slots two registrars want;
// arena-sharing: one mapping attached, closed and terminated in several threads.
const testNames = ['hostile', 'fuzz', 'arena', 'arena-sharing', 'rio-simulated', 'memory-release', 'pool-close', 'pool-reentrancy', 'deregister-once', 'io-uring-registrar', 'io-uring-ownership']

async function main() {
  if (process.platform !== 'linux') {
    console.log(`test:asan: runs on Linux only (it preloads GCC's ASan runtime into node); this is ${process.platform}`)
    return
  }
  const { dir, output } = await buildSimulated({ sanitize: true })
  console.log(`test:asan: ${output}`)
  const runtime = (lib) => execFileSync(process.env.CXX || 'c++', [`-print-file-name=${lib}`], { encoding: 'utf8' }).trim()
  const env = {
    ...process.env,
    LD_PRELOAD: [runtime('libasan.so'), runtime('libubsan.so')].join(' '),
    ASAN_OPTIONS: 'detect_leaks=0:halt_on_error=1:abort_on_error=1',
    UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
    RIO_BUFFER_POOL_SIMULATED: dir,
    RIO_BUFFER_POOL_PREBUILD: dir,
    RIO_BUFFER_POOL_SANITIZED: '1',
  }
  const ava = path.join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')
  // ASan intercepts mlock() and does nothing, so the VmLck tests cannot hold there.
  console.log("test:asan: leaving out the tests that read VmLck (ASan's mlock() locks nothing)")
  const result = spawnSync(process.execPath, [ava, '--serial', '--match', '!*VmLck*', ...testFiles(testNames)], { cwd: root, env, stdio: 'inherit' })
  process.exitCode = result.status ?? 1
}

main().catch((error) => {
  console.error(error.message)
  process.exit(1)
})
