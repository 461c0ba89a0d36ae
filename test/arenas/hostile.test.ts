// Memory safety under hostile but legal JS: transfers and BYOB reads of a
// lease's memory, in one thread and across threads, workers that exit or are
// terminated holding leases, the addon loaded twice, native entry points
// called on foreign receivers, and arenas up to the 4 GiB RIO limit. Each
// attack runs in a child process of its own (test/programs/hostile.ts): a
// crash there is a failed exit here, never a dead test runner.
//
// `npm run test:node -- 22` (and 24, 26) runs this file where
// ArrayBuffer.prototype.transfer exists, which Node 20 lacks.
import test from 'ava'
import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const fixture = path.join(__dirname, '..', 'programs', 'hostile.js')
const hasTransfer = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function'
const localSimulated = path.join(__dirname, '..', '..', '..', '.simulated')
const simulatedDir = process.env.RIO_BUFFER_POOL_SIMULATED ??
  (fs.existsSync(path.join(localSimulated, 'build', 'Release', 'rio_buffer_pool.node')) ? localSimulated : undefined)

/** Runs one attack; resolves with what it printed, rejects with its output on a crash or non-zero exit. */
async function attack(name: string, env: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['--expose-gc', fixture, name],
    { env: { ...process.env, ...env }, timeout: 90_000, maxBuffer: 1 << 20 })
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>
}

// A build other than the simulated one the attacks load: the release build
// (under Wine, the cross-built one this process is pointed at).
const prebuild = process.env.RIO_BUFFER_POOL_PREBUILD
const release = path.join(prebuild && prebuild !== simulatedDir ? prebuild : path.join(__dirname, '..', '..', '..'), 'build', 'Release', 'rio_buffer_pool.node')
const withSimulated = simulatedDir ? { RIO_BUFFER_POOL_PREBUILD: simulatedDir } : {}

test('a BYOB read into a lease keeps the pool whole: the bytes land, other and new leases keep full views, close() completes', async t => {
  const result = await attack('byob-same-thread')
  t.is(result.detached, true, "this Node's BYOB read detaches the arena's ArrayBuffer, which is the attack")
  t.is(result.userViewLength, 0, 'a view the caller held from before is detached (zero-length), not dangling')
})

test('a BYOB read into a view kept for reuse: the next lease of that slot gets a new full view over the arena, not the detached one', async t => {
  const result = await attack('byob-kept-view')
  t.is(result.keptLength, 0, 'the kept view was detached by the read')
})

test("an arena's Buffer with byteLength, buffer and byteOffset shadowed to name another arena, then detached by a BYOB read: a lease's next view is over its own bytes, never the other arena's lease", async t => {
  const result = await attack('byob-shadowed-arena-view')
  t.is(result.otherByte, 0xbb, "the other arena's lease kept its bytes")
})

test('a BYOB read in a worker, its ArrayBuffer posted to the main thread, then the worker exits: the memory stays mapped', async t => {
  const result = await attack('byob-worker-post')
  t.is(result.receivedBytes, 1 << 20)
  t.is(result.sum, 256, 'every page of the received buffer was written after the worker had gone')
})

;(hasTransfer ? test : test.skip)(`ArrayBuffer.prototype.transfer() of an arena's and a lease's buffer in a worker, posted out after close and exit: the memory stays mapped${hasTransfer ? '' : ' (skipped: needs ArrayBuffer.prototype.transfer, Node 21+; npm run test:node -- 22 runs it)'}`, async t => {
  const result = await attack('transfer-worker-post')
  t.deepEqual(result.sizes, [1 << 20, 1 << 20])
})

;(hasTransfer ? test : test.skip)(`transfer() of a lease's ArrayBuffer in the same thread: the pool keeps working and closes${hasTransfer ? '' : ' (skipped: needs ArrayBuffer.prototype.transfer, Node 21+; npm run test:node -- 22 runs it)'}`, async t => {
  const result = await attack('transfer-same-thread')
  t.is(result.arenaClosed, true)
})

test("postMessage and structuredClone with a lease's or an arena's ArrayBuffer in the transfer list: refused or copied, never moved", async t => {
  const result = await attack('transfer-list')
  const outcomes = result.outcomes as string[]
  t.is(outcomes.length, 4)
  for (const outcome of outcomes) t.regex(outcome, /copied|DataCloneError/)
})

test('a worker that exits, and one that is terminated, while its pools hold leases: the process lives on and every registration is undone', async t => {
  const result = await attack('worker-exit-with-leases', withSimulated)
  t.is(result.exitCode, 0)
  t.is(result.terminatedCode, 1)
  if (simulatedDir) {
    t.true((result.registrations as number) >= 8, `registrations ${String(result.registrations)}`)
    t.is(result.deregistrations, result.registrations)
  }
})

test('the addon loaded twice in one thread (require cache cleared) works both times', async t => {
  const result = await attack('load-twice')
  t.is(result.distinctClasses, true)
})

test("every native accessor and method refuses a foreign receiver (another build's arena, plain objects, primitives, the prototype) with ERR_INVALID_THIS", async t => {
  const result = await attack('foreign-this', { ...withSimulated, HOSTILE_OTHER_BUILD: simulatedDir ? release : '' })
  const codes = result.codes as Record<string, number>
  t.deepEqual(Object.keys(codes).sort(), ['ERR_INVALID_THIS'])
  t.is(codes.ERR_INVALID_THIS, result.calls as number)
  t.is(result.constructCode, 'ERR_CONSTRUCT_CALL_REQUIRED')
  t.is(result.otherBuild, Boolean(simulatedDir))
})

test('arenas of 2 GiB and of 4 GiB less the granularity: whole-arena and small leases have the right offsets and lengths', async t => {
  const result = await attack('huge-arenas')
  for (const entry of result.results as Array<{ arenaSize: number; offset: number; length: number; capacity?: number }>) {
    t.is(entry.offset, 0)
    if (entry.capacity !== undefined) t.is(entry.length, entry.arenaSize)
    else t.is(entry.length, 1500)
  }
})

;(simulatedDir ? test : test.skip)(`V8-owned arenas (a runtime that refuses external buffers) are never registered, so a transfer cannot free registered memory${simulatedDir ? '' : ' (skipped: needs the simulated-RIO test build)'}`, async t => {
  const result = await attack('v8-owned-arena', withSimulated)
  t.deepEqual(result.outcomes, { string: 'RIOPOOL_UNREGISTRABLE', object: 'RIOPOOL_UNREGISTRABLE' })
  t.is(result.autoRegistration, 'none')
})

test('8 workers leasing from and closing pools, terminated at random moments 200 times: the process lives, RSS stays bounded, registrations are undone', async t => {
  const script = path.join(__dirname, '..', 'programs', 'worker-stress.js')
  const { stdout } = await run(process.execPath, ['--expose-gc', script, '200'],
    { env: { ...process.env, ...withSimulated }, timeout: 110_000 })
  const figures = JSON.parse(stdout) as { terminations: number; workerErrors: number; baselineMiB: number; afterMiB: number; registered: number | null; deregistered: number | null }
  t.log(figures)
  t.is(figures.terminations, 200)
  t.is(figures.workerErrors, 0)
  // Each terminated worker held up to 2 MiB of touched arenas: 400 MiB if they leaked.
  if (process.env.RIO_BUFFER_POOL_SANITIZED) t.log('RSS not asserted: the sanitizer runtime holds freed memory in quarantine')
  else t.true(figures.afterMiB - figures.baselineMiB < 100, `RSS grew from ${figures.baselineMiB} to ${figures.afterMiB} MiB`)
  if (simulatedDir) {
    t.true(figures.registered! >= 200, `registered ${figures.registered}`)
    t.is(figures.deregistered, figures.registered)
  }
})
