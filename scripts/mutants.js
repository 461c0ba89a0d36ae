'use strict'
// npm run test:mutants [-- <id substring>...]: does the suite notice bugs?
//
// Applies each mutation of scripts/mutants/*.js, one at a time: replaces the
// exact search text (which must occur exactly once) in its file, rebuilds
// what that file feeds (tsc for lib/ and test/; the release addon with
// node-gyp and the simulated-RIO build for native/ and binding.gyp), runs
// the mutation's test files with ava, and puts the file back, always: after
// a failure, on Ctrl-C, on SIGTERM. A mutant is killed when its tests fail
// (or time out), survives when they pass; one that does not build is
// reported apart and not counted. The builds are brought back to the
// unmutated sources before the next mutant and at the end.
//
// First the mutants' test files run unmutated (skip with --no-baseline): a
// suite that already fails would "kill" every mutant.
//
// Prints each mutant's outcome, each survivor with its description, and the
// kill rate. Run it through npm (npm run test:mutants), so node-gyp gets
// npm's configuration (such as nodedir). Each mutant's build or test output is kept in .mutants/<id>.log,
// to check that a kill failed for the right reason. Exit code 0 whatever the rate (it is a report), 1 when the
// baseline fails or a mutation no longer applies.
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { testFiles } = require('./test-files.js')

const root = path.resolve(__dirname, '..')
const listDir = path.join(__dirname, 'mutants')
const TEST_TIMEOUT_MS = 10 * 60 * 1000
const logDir = path.join(root, '.mutants')

function loadMutations() {
  const all = []
  for (const file of fs.readdirSync(listDir).filter((f) => f.endsWith('.js')).sort()) {
    for (const m of require(path.join(listDir, file))) all.push({ ...m, list: file })
  }
  const ids = new Set()
  for (const m of all) {
    for (const key of ['id', 'file', 'search', 'replace', 'tests', 'description']) {
      if (m[key] === undefined) throw new Error(`${m.list}: mutation ${m.id ?? '?'} has no "${key}"`)
    }
    if (ids.has(m.id)) throw new Error(`${m.list}: duplicate mutation id ${m.id}`)
    ids.add(m.id)
  }
  return all
}

/** What a change to `file` makes stale. */
function buildsFor(file) {
  if (file === 'binding.gyp') return ['gyp', 'simulated']
  if (file.startsWith('native/')) return ['addon', 'simulated']
  if (file.startsWith('lib/') || file.startsWith('test/')) return ['tsc']
  throw new Error(`no build is known for ${file}`)
}

// The child now running, so a signal can stop it along with this script.
let current = null

function stop(child) {
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}

/** Runs to completion (or `timeout` ms); never rejects. */
function run(command, args, timeout) {
  return new Promise((resolve) => {
    // A process group of its own, so a timeout or a signal stops its children
    // too (ava's workers, node-gyp's make).
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    current = child
    let output = ''
    child.stdout.on('data', (chunk) => { output += chunk })
    child.stderr.on('data', (chunk) => { output += chunk })
    let timedOut = false
    const timer = timeout && setTimeout(() => { timedOut = true; stop(child) }, timeout)
    child.on('error', (error) => { output += error.message })
    child.on('close', (code) => {
      clearTimeout(timer)
      current = null
      resolve({ ok: code === 0 && !timedOut, timedOut, output })
    })
  })
}

const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js')
const builders = {
  tsc: () => run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json']),
  // As npm run build:native: a build/ that is not configured gets a rebuild.
  addon: async () => {
    const built = await run(process.execPath, [nodeGyp, 'build'])
    return built.ok ? built : run(process.execPath, [nodeGyp, 'rebuild'])
  },
  // A changed binding.gyp (defines, sources) needs the Makefile made again.
  gyp: () => run(process.execPath, [nodeGyp, 'rebuild']),
  simulated: () => run(process.execPath, [path.join(__dirname, 'build-simulated.js')]),
}

async function build(kinds) {
  for (const kind of kinds) {
    const result = await builders[kind]()
    if (!result.ok) return { ok: false, kind, output: result.output }
  }
  return { ok: true }
}

function runTests(tests) {
  const files = testFiles(tests)
  const ava = path.join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')
  return run(process.execPath, [ava, ...files], TEST_TIMEOUT_MS)
}

// The one file currently mutated, so any exit path can put it back.
let applied = null
function restore() {
  if (applied === null) return
  fs.writeFileSync(applied.path, applied.original)
  applied = null
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (current) stop(current)
    restore()
    console.error(`\n${signal}: the mutated file is restored; rebuild (npm run pretest) before trusting build/ or dist/`)
    process.exit(130)
  })
}
process.on('exit', restore)

function apply(m) {
  const file = path.join(root, m.file)
  const original = fs.readFileSync(file, 'utf8')
  const at = original.indexOf(m.search)
  if (at < 0 || original.indexOf(m.search, at + 1) >= 0) {
    return `its search text occurs ${at < 0 ? 'nowhere' : 'more than once'} in ${m.file}`
  }
  applied = { path: file, original }
  fs.writeFileSync(file, original.slice(0, at) + m.replace + original.slice(at + m.search.length))
  return null
}

async function main() {
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'))
  const baseline = !process.argv.includes('--no-baseline')
  const mutations = loadMutations().filter((m) => filters.length === 0 || filters.some((f) => m.id.includes(f)))
  if (mutations.length === 0) throw new Error(`no mutation matches ${filters.join(', ')}`)
  const started = Date.now()
  const log = (line) => console.log(`[mutants ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`)

  const stale = new Set(['tsc', 'addon', 'simulated'])
  const rebuildStale = async () => {
    // A gyp rebuild makes the addon too.
    const result = await build([...stale].filter((k) => !(k === 'addon' && stale.has('gyp'))))
    if (!result.ok) throw new Error(`the unmutated ${result.kind} build fails:\n${result.output}`)
    stale.clear()
  }

  await rebuildStale()
  if (baseline) {
    const tests = [...new Set(mutations.flatMap((m) => m.tests))]
    log(`baseline: ${tests.join(', ')}`)
    const result = await runTests(tests)
    if (!result.ok) {
      console.log(result.output)
      log('the unmutated suite fails: no mutant could be judged')
      return 1
    }
  }

  fs.mkdirSync(logDir, { recursive: true })
  const outcomes = []
  for (const m of mutations) {
    const problem = apply(m)
    if (problem) {
      outcomes.push({ m, outcome: 'stale' })
      log(`STALE     ${m.id}: ${problem}`)
      continue
    }
    let outcome
    try {
      const kinds = buildsFor(m.file)
      for (const kind of kinds) stale.add(kind)
      const built = await build(kinds)
      if (!built.ok) {
        outcome = 'no-build'
        fs.writeFileSync(path.join(logDir, `${m.id}.log`), built.output)
      } else {
        const result = await runTests(m.tests)
        outcome = result.ok ? 'survived' : result.timedOut ? 'killed (timeout)' : 'killed'
        fs.writeFileSync(path.join(logDir, `${m.id}.log`), result.output)
      }
    } finally {
      restore()
    }
    outcomes.push({ m, outcome })
    log(`${outcome.toUpperCase().padEnd(9)} ${m.id} (${m.tests.join(', ')})`)
    await rebuildStale()
  }

  const judged = outcomes.filter((o) => o.outcome === 'survived' || o.outcome.startsWith('killed'))
  const killed = judged.filter((o) => o.outcome.startsWith('killed'))
  console.log('')
  for (const { m } of outcomes.filter((o) => o.outcome === 'survived')) {
    console.log(`survivor: ${m.id} [${m.list}] ${m.file}: ${m.description}`)
  }
  for (const { m, outcome } of outcomes.filter((o) => o.outcome === 'stale' || o.outcome === 'no-build')) {
    console.log(`${outcome}: ${m.id} [${m.list}] ${m.file}`)
  }
  const rate = judged.length === 0 ? 0 : (100 * killed.length) / judged.length
  console.log(`kill rate: ${killed.length}/${judged.length} (${rate.toFixed(0)}%)`)
  return outcomes.some((o) => o.outcome === 'stale') ? 1 : 0
}

main().then(
  (code) => { process.exitCode = code },
  (error) => {
    restore()
    console.error(error.message)
    process.exitCode = 1
  },
)
