// The threads section (the baseline for issue 19's shared pool) run by hand
// with tiny parameters: it says it measured per-thread pools, and its
// figures add up: the 4 threads together hold what the one thread holds.
import test from 'ava'
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'
import type { ThreadsFigures } from '../../benchmarks/threads.js'

const run = promisify(execFile)
const report = path.join(__dirname, '..', '..', 'benchmarks', 'report.js')
const LEASES = 25
const ROUNDS = 3
const args = [report, '--section', 'threads', '--leases', String(LEASES), '--rounds', String(ROUNDS)]

const positive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0

test('--section threads --json: per-thread pools, footprint counts that add up, a ratio per round', async t => {
  const { stdout } = await run(process.execPath, [...args, '--json'], { encoding: 'utf8' })
  const f = JSON.parse(stdout) as ThreadsFigures
  t.true(f.perThreadPools)
  t.deepEqual(f.bars, { footprint: 1.25, throughput: 1.6 })

  t.is(f.footprint.leasesPerThread, LEASES)
  t.is(f.footprint.size, 1500)
  t.true(f.footprint.cases.length > 0)
  for (const c of f.footprint.cases) {
    t.is(c.one.threads, 1)
    t.is(c.many.threads, 4)
    t.is(c.one.leases, 4 * LEASES, 'the one thread holds what the four hold together')
    t.is(c.many.leases, 4 * LEASES)
    t.deepEqual(c.many.perThread.map(p => p.outstandingLeases), [LEASES, LEASES, LEASES, LEASES])
    t.is(c.many.arenaBytes, c.many.perThread.reduce((sum, p) => sum + p.arenaBytes, 0))
    t.is(c.many.arenas, 4 * c.many.perThread[0]!.arenas)
    t.true(c.one.arenaBytes >= c.one.leases * 1500 && c.one.arenaBytes % c.arenaSize === 0)
    t.true(positive(c.ratio))
    t.is(c.ratio, c.many.arenaBytes / c.one.arenaBytes)
    t.true(c.ratio >= 1, 'a pool per thread never needs fewer arenas than one pool')
    for (const held of [c.one.heldBytes, c.many.heldBytes]) t.true(held === null || (Number.isInteger(held) && held >= 0))
    t.true(c.heldRatio === null || positive(c.heldRatio))
  }

  const tp = f.throughput
  t.is(tp.workers, 2)
  t.is(tp.rounds, ROUNDS)
  t.is(tp.perRound.length, ROUNDS)
  for (const r of [tp.ratio, tp.floorRatio, tp.overFloor]) {
    t.true(positive(r.median) && r.p25 <= r.median && r.median <= r.p75)
  }
  t.true(positive(tp.aloneNs) && positive(tp.togetherNs) && positive(tp.floorAloneNs))
  t.true(tp.unsure === null || /^the floor's 2-over-1 was under /.test(tp.unsure))
})

test('--section threads by hand prints tables that say the pools are per thread, and no JSON', async t => {
  const { stdout } = await run(process.execPath, args, { encoding: 'utf8' })
  t.regex(stdout, /^Threads, BEFORE the shared pool: every worker thread has its OWN BufferPool/)
  t.regex(stdout, /bars are for the SHARED pool: footprint <= 1\.25x, throughput >= 1\.6x/)
  t.regex(stdout, /4 threads over 1: arena bytes \d+\.\d\dx/)
  t.regex(stdout, /handle pairs\/s, 2 workers over 1 +\d+\.\d+x/)
  t.throws(() => JSON.parse(stdout))
})
