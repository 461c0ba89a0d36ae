// The worker side of the threads section (benchmarks/threads.ts): each
// worker makes its OWN BufferPool, the only way a worker_thread can use the
// package today. Two tasks, named in workerData:
//   hold:  lease `leases` buffers of 1500 B, post the pool's stats, keep them
//          live until the parent posts 'release', then give everything back.
//   pairs: the hot path's 1500-byte handle pair with its live ring of 1,024,
//          and its floor; warmed and calibrated here, then one timed batch
//          of the case the parent names whenever it bumps this worker's go
//          word (shared memory: a message reaches two workers milliseconds
//          apart). Waking a worker took 50-200 µs here, now and then
//          milliseconds, so the woken workers meet at a spinning start line
//          and time from there: the wake-up is not counted as work.
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { BufferPool, type BufferPoolOptions } from '../lib/index.js'
import { calibrate, timeBatch } from './harness.js'
import { HOT_PATH_GROUPS } from './hot-path.js'
import { arenaOptions, Rings, type Way } from './registration-footprint.js'
import { groupCases, loadMemPool } from './workloads.js'

export const LEASE_SIZE = 1500

export interface HoldTask {
  readonly task: 'hold'
  readonly leases: number
  readonly arenaSize: number
  readonly way: Way
}

export interface HoldReport {
  readonly outstandingLeases: number
  readonly arenas: number
  readonly arenaBytes: number
}

/** Words of the control array the parent and the pairs workers share. */
export const enum Control {
  /** Set to 1, then every go word bumped: the workers exit. */
  Quit = 0,
  /** Workers that finished the current batch. */
  Done = 1,
  /** Workers taking part in the current batch, and those at its start line. */
  Count = 2,
  Arrived = 3,
  /** The current batch's case: an index into PAIRS_CASES. */
  Case = 4,
  /** Steps per batch of case c, written once before the first round: OpsBase + c. */
  OpsBase = 5,
  /** Worker i's go word is GoBase + i (after one Ops word per case of PAIRS_CASES). */
  GoBase = OpsBase + 2,
}

export interface PairsTask {
  readonly task: 'pairs'
  readonly index: number
  /** Int32Array words (Control); Float64Array of [start, end] ns per worker. */
  readonly control: SharedArrayBuffer
  readonly times: SharedArrayBuffer
}

/**
 * The floor runs in the same rounds as the pair: 2 workers over 1 on a bare
 * Int32Array free list is what this machine gives two threads at that moment
 * (a tenant on one of the two cores pulls it to 1x, and the pair with it).
 */
export const PAIRS_CASES = ['floor', 'handles'] as const

export interface PairsReady {
  /** Per case, ns per step of a calibration batch (the workers warm up at once), for sizing the batches. */
  readonly nsPerStep: number[]
}

async function hold(task: HoldTask): Promise<void> {
  const rings = task.way === 'io_uring' ? new Rings() : null
  const options = { arenaSize: task.arenaSize, ...arenaOptions(task.way, rings) } as BufferPoolOptions
  const pool = new BufferPool(options)
  const handles = Array.from({ length: task.leases }, () => pool.handles.lease(LEASE_SIZE))
  const stats = pool.stats()
  const report: HoldReport = { outstandingLeases: stats.outstandingLeases, arenas: stats.arenas, arenaBytes: stats.arenaBytes }
  const released = new Promise<void>(resolve => parentPort!.once('message', () => resolve()))
  parentPort!.postMessage(report)
  await released
  for (const h of handles) pool.handles.release(h)
  await pool.close()
  rings?.close()
}

async function pairs(task: PairsTask): Promise<void> {
  const control = new Int32Array(task.control)
  const times = new Float64Array(task.times)
  const go = Control.GoBase + task.index
  // The hot path's own 1500 B cases (floor and handle pair), built as it builds them.
  const spec = { ...HOT_PATH_GROUPS.find(g => g.name === '1500')!, faces: PAIRS_CASES }
  const cases = groupCases(spec, await loadMemPool())
  const ready: PairsReady = { nsPerStep: cases.map(c => timeBatch(c.run, calibrate(c.run) * 16)) }
  parentPort!.postMessage(ready)
  let seen = 0
  for (;;) {
    Atomics.wait(control, go, seen)
    seen = Atomics.load(control, go)
    if (Atomics.load(control, Control.Quit) === 1) break
    const which = Atomics.load(control, Control.Case)
    Atomics.add(control, Control.Arrived, 1)
    while (Atomics.load(control, Control.Arrived) < Atomics.load(control, Control.Count));
    const start = process.hrtime.bigint()
    timeBatch(cases[which]!.run, Atomics.load(control, Control.OpsBase + which))
    const end = process.hrtime.bigint()
    // hrtime is CLOCK_MONOTONIC, one clock for every thread of the process.
    times[2 * task.index] = Number(start)
    times[2 * task.index + 1] = Number(end)
    Atomics.add(control, Control.Done, 1)
    Atomics.notify(control, Control.Done)
  }
  for (const c of cases) c.check?.()
}

// The parent imports this module's names too; only a worker runs a task.
if (!isMainThread) {
  const task = workerData as HoldTask | PairsTask
  void (task.task === 'hold' ? hold(task) : pairs(task))
}
