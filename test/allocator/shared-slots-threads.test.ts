// The shared slot protocol under real worker_threads over one
// SharedArrayBuffer. Each scenario runs in a child process
// (test/programs/shared-slots.ts, its workers in shared-slots-worker.ts), so
// a hang or a crash is that process's, not ava's. The protocol is not wired
// into BufferPool yet: these drive lib/allocator/shared-slots.ts directly.
import test from 'ava'
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const program = path.join(__dirname, '..', 'programs', 'shared-slots.js')

async function scenario(name: string): Promise<Record<string, any>> {
  const { stdout } = await run(process.execPath, [program, name], { timeout: 60_000 })
  return JSON.parse(stdout) as Record<string, any>
}

const zeros = (n: number): number[] => new Array<number>(n).fill(0)

// Under Bun a terminated worker's thread entry was once seen LIVE after its
// 'exit' event, so the main thread's stand-in for the exit store came too
// early and its reclaim was refused: not yet understood, so not run there.
const bun = typeof (process.versions as { bun?: string }).bun === 'string'
;(bun ? test.skip : test)(`model: 3 workers lease, tag, post for adopt, lend for foreign retains, release and reclaim, with random terminate()s and restarts; no slot is leased twice, no tag overwritten, the words agree with what each live thread holds, and everything comes back${bun ? " (skipped under Bun: a terminated worker's entry was seen LIVE after its 'exit' event, not yet understood)" : ''}`, async t => {
  const result = await scenario('model')
  t.log({ ...result, final: undefined })
  t.deepEqual(result.errors, [], 'every check in every thread held (tags, overlaps, refusals)')
  t.is(result.errorCount, 0)
  t.is(result.workerErrors, 0)
  t.true(result.ops >= 100_000, `${result.ops} operations`)
  t.true(result.kills >= 10, `${result.kills} terminate()s`)
  t.is(result.workers, result.restarts + 3, "a new worker in each dead one's place")
  t.true(result.restarts >= result.kills - 1, 'only a kill landing as the run ends goes unreplaced')
  t.true(result.posts > 1000, 'handles crossed threads')
  t.true(result.reclaimedReferences > 0, "reclaim released dead threads' references")
  t.true(result.mainReclaims + result.workerReclaims <= result.workers, 'no thread reclaimed twice (main and workers race for each; a reclaim finished for a dead reclaimer is not counted)')
  t.true(result.census.leased > 0, 'the census saw leases held across threads')
  t.is(result.census.stats.leased + result.census.stats.free, result.census.stats.slots)
  const { final } = result
  t.is(final.leased, 0, 'after the workers finished and main released its own, nothing is leased')
  t.is(final.free, final.slots)
  t.deepEqual(final.owned, zeros(8))
  t.deepEqual(final.pinned, zeros(8))
  t.is(result.dirty, 0, 'no OWNER bit nor pin left on a free slot')
  t.is(result.threadStates[0], 1, 'main is LIVE')
  t.true(result.threadStates.slice(1).every((state: number) => state === 0 || state === 3), 'every worker entry FREE or DONE')
})

test('contention: 3 workers adopt and release handles one owner leases from its own slabs while it keeps leasing; every count adds up', async t => {
  const result = await scenario('contention')
  t.log(result)
  t.deepEqual(result.errors, [])
  t.is(result.errorCount, 0)
  t.is(result.workerErrors, 0)
  t.is(result.leased.leased, 60_000)
  t.is(result.released.reduce((a: number, b: number) => a + b, 0), 60_000, 'every lease adopted and released by another thread')
  t.is(result.ops, result.leased.leased + result.leased.misses + 2 * 60_000, 'leases (misses included), adopts and releases')
  t.true(result.leased.misses > 0, "the owner's cache ran dry and it drained remote frees while leasing")
  t.deepEqual(result.heaps, zeros(8).fill(result.ownerThread))
  t.is(result.ownerStats.leased, 0)
  t.is(result.ownerCached + result.ownerStats.freeing, 256, "every slot in the owner's cache or waiting in R, none lost, none twice")
  t.is(result.mainStats.free, 256)
})

test("killed reclaimer: a worker terminated while reclaiming a dead holder's 200 leases is succeeded; the holder's unpinned leases come back, the 20 another thread pins stay live, nothing else is leased", async t => {
  const result = await scenario('killed-reclaimer')
  t.log(result.outcomes)
  t.deepEqual(result.errors, [])
  t.is(result.errorCount, 0)
  t.true(result.outcomes.killedHalfWay >= 4, `${result.outcomes.killedHalfWay} of ${result.rounds} reclaimers terminated half way (T[holder] = RECL + reclaimer at its exit)`)
  t.is(result.final.leased, 0)
  t.is(result.final.free, result.final.slots)
  t.is(result.dirty, 0)
  t.true(result.threadStates.slice(1).every((state: number) => state === 0 || state === 3), 'every worker entry FREE or DONE')
})
