'use strict'
// npm run test:bun: the package under Bun, against the dist/ and addon
// `npm test` built. Bun is the npm registry's @oven/bun-linux-x64 at the
// version scripts/runtimes.js pins, unpacked into .runtimes/bun/ once.
// First a smoke program in a child process (test/programs/runtime-smoke.ts:
// lease, release, close, an arena, a transferred view, io_uring), whose
// crash or hang is this run's failure, not a dead runner; then the whole
// ava suite under Bun. Tests of Node's own behaviour skip there, saying how
// Bun differs (test/support/runtime-test.ts).
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { BUN_VERSION, installRuntime, onRegistryPlatform, root } = require('./runtimes.js')

function smoke(bun) {
  const program = path.join(root, 'dist', 'test', 'programs', 'runtime-smoke.js')
  const run = spawnSync(bun, [program], { cwd: root, encoding: 'utf8', timeout: 60_000 })
  process.stdout.write(run.stdout)
  process.stderr.write(run.stderr)
  const last = run.stdout.trim().split('\n').pop()
  let result = null
  try { result = JSON.parse(last) } catch { /* judged below */ }
  const failures = []
  if (run.signal !== null || run.status !== 0) failures.push(`the smoke program ended with ${run.signal ?? `exit ${run.status}`}`)
  else if (result === null) failures.push(`the smoke program printed no result: ${last}`)
  else {
    if (result.text !== 'hello') failures.push(`a lease read back ${JSON.stringify(result.text)}, not "hello"`)
    if (result.moved !== 7 * 100) failures.push(`the transferred view read ${result.moved}, not 700, after the pool closed`)
    if (!result.steps.includes('arena closed')) failures.push('the arena did not close')
  }
  for (const failure of failures) console.log(`test:bun: FAIL ${failure}`)
  if (failures.length === 0) console.log(`test:bun: ok   the smoke program under Bun ${BUN_VERSION}: ${result.steps.join(', ')}`)
  return failures.length === 0
}

if (!onRegistryPlatform) {
  console.log(`test:bun: needs linux-x64 for the registry's Bun binary; this is ${process.platform}-${process.arch}`)
} else {
  const bun = installRuntime('bun', `@oven/bun-linux-x64@${BUN_VERSION}`, path.join('bin', 'bun'), BUN_VERSION)
  const smoked = smoke(bun)
  const ava = path.join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')
  const suite = spawnSync(bun, ['--preload', path.join(__dirname, 'bun-preload.js'), ava, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
  process.exitCode = smoked && suite.status === 0 ? 0 : 1
}
