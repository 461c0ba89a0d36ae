// Leak detection, end to end: Lease objects garbage-collected before their
// final release are reported once, with what the pool knows of them; their
// slots are quarantined; close() does not wait for them. Each scenario runs
// in a child process with --expose-gc (test/programs/leaks.ts).
import test from 'ava'
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'
import type { Seen } from '../programs/leaks.js'

const run = promisify(execFile)

async function scenario<T>(name: string): Promise<T> {
  const { stdout } = await run(process.execPath, ['--expose-gc', path.join(__dirname, '..', 'programs', 'leaks.js'), name], { timeout: 60_000 })
  return JSON.parse(stdout) as T
}

test("'all': each dropped Lease is reported once, with size, offset, arena, age and its allocation stack; released ones never", async t => {
  const { reports, leakedLeases, outstanding } = await scenario<{ reports: Seen[]; leakedLeases: number; outstanding: number }>('all')
  t.log(reports.map(r => `${r.size} B, refCount ${r.refCount}, ${r.ageMs?.toFixed(1)} ms`))
  t.is(reports.length, 2, 'the 1500-byte Lease and the retained 200-byte one; not the 1000 released, the one freed through handles, or the one still held')
  const bySize = new Map(reports.map(r => [r.size, r]))
  const leaked = bySize.get(1500)!
  t.like(leaked, { size: 1500, length: 1500, capacity: 1536, refCount: 1, arenaIsArena: true, leaked: true })
  t.true(Number.isInteger(leaked.offset) && leaked.offset >= 0)
  t.true(typeof leaked.ageMs === 'number' && leaked.ageMs >= 20, 'leased at least the 20 ms the fixture waited before collecting')
  t.regex(leaked.stack!, /at leakLeaseOf \(.*leaks\.js/, 'the stack starts at the caller of pool.lease()')
  t.notRegex(leaked.stack!, /BufferPool\.|LeakTracker|LeaseRecord/, "the pool's own frames are left out")
  t.like(bySize.get(200), { refCount: 2 })
  t.is(leakedLeases, 2)
  t.is(outstanding, 3, 'the two leaked leases stay leased, beside the one still held')
})

test('with no listener and no onLeak, a leak is a RIOPOOL_LEAK warning naming the lease, its stack in the detail', async t => {
  const { warnings } = await scenario<{ warnings: Array<{ code: string; message: string; detail: string }> }>('warning')
  t.is(warnings.length, 1)
  t.is(warnings[0]!.code, 'RIOPOOL_LEAK')
  t.regex(warnings[0]!.message, /Lease of 1500 bytes .* garbage-collected .* without its final release/)
  t.regex(warnings[0]!.detail, /Leased at:\n\s+at leakLeaseOf/)
})

test('onLeak and pool.on("leak") listeners both get the report, and no warning is printed then', async t => {
  t.deepEqual(await scenario('onLeak'), { calls: ['onLeak 99', 'listener 99'], warned: 0 })
})

test("'sample' reports about sampleRate of the leaks (default 1/128); sampleRate 1 reports every one", async t => {
  const counts = await scenario<{ default: number; one: number }>('sample')
  t.log(counts, 'of 12,800 leaked leases each')
  t.is(counts.one, 12_800)
  // 100 expected; the sampling gaps are uniform in 1..255, so the count's standard deviation is about 6.
  t.true(counts.default >= 70 && counts.default <= 130, `default rate: ${counts.default} reports`)
})

test("'off' (the default) tracks nothing: no report, no warning, and close() keeps waiting for the lost lease", async t => {
  t.deepEqual(await scenario('off'), { warned: 0, closed: false, leakedLeases: 0 })
})

test('a leaked slot is quarantined: never reused, close() resolves without it, its arena stays registered until the handle is released', async t => {
  const result = await scenario<Record<string, unknown>>('quarantine')
  t.log(result)
  t.like(result, {
    reports: 1,
    reused: false,
    closedBeforeHeldReleased: 0,
    closed: 1,
    afterClose: { arenas: 1, leakedLeases: 1, registrations: 1 },
    afterRelease: { arenas: 0, leakedLeases: 0, registrations: 0 },
  })
})

test('a tracked Lease released through Lease.prototype.release, its slot then reused 256 times by the prototypes until a live lease has its handle: no report, and close() waits for the live one', async t => {
  const seen = await scenario<{ sameHandle: boolean; reports: number; closedWhileLive: boolean; leakedLeases: number }>('wrap')
  t.true(seen.sameHandle, 'the 256th reuse issues the first handle again')
  t.is(seen.reports, 0)
  t.false(seen.closedWhileLive)
  t.is(seen.leakedLeases, 0)
})
