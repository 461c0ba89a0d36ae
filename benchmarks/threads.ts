// Worker threads, today: every thread that leases needs a BufferPool of its
// own (benchmarks/threads-worker.ts). These are the BEFORE figures for the
// shared pool of issue 19, measured the way its bars will be:
//   footprint:  arena bytes of 4 threads each holding 1,000 live 1500 B
//               leases in its own pool, summed, over one thread holding
//               4,000 in one pool (counted, no timing). Bar for the shared
//               pool: <= 1.25x.
//   throughput: handle pairs per second of 2 workers, each on its own pool,
//               over 1 worker alone. Interleaved rounds (floor 1 alone, 2
//               together; pair 1 alone, 2 together), the median of
//               per-round ratios. The floor's ratio is what the machine
//               gave two threads (another tenant on a core pulls it to 1x).
//               Bar for the shared pool: >= 1.6x.
// Not in the full report: `node dist/benchmarks/report.js --section threads`.
import { once } from 'node:events'
import * as os from 'node:os'
import * as path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import { formatNs, formatRatio, median, quantile, row, type Ratio } from './harness.js'
import { HOT_PATH_GROUPS } from './hot-path.js'
import { held, wayOfThisMachine, WAY_NAMES, type Way } from './registration-footprint.js'
import { Control, LEASE_SIZE, PAIRS_CASES, type HoldReport, type HoldTask, type PairsReady, type PairsTask } from './threads-worker.js'
import { MiB } from './workloads.js'

const WORKER = path.join(__dirname, 'threads-worker.js')
export const FOOTPRINT_THREADS = 4
export const THROUGHPUT_WORKERS = 2
/** The default arena size, and the registration section's 1 MiB. */
const ARENA_SIZES = [4 * MiB, MiB]
/** A batch: long against the two workers' start gap, short enough that rounds interleave often. */
const BATCH_NS = 10e6
/** A batch that has not ended by then means a worker died: fail, do not hang. */
const BATCH_TIMEOUT_MS = 30_000
export const BARS = { footprint: 1.25, throughput: 1.6 }
/**
 * The floor's own 2-over-1 under this in a quarter of the rounds or more (its
 * p25) says the machine did not give the two workers two cores for much of
 * the run (quiet runs: medians 1.91-2.00x, p25 1.87 and up); then no
 * throughput figure of that run can be judged against a bar.
 */
const FLOOR_MIN = 1.8

export interface HoldFigures {
  readonly threads: number
  /** Summed over the threads. */
  readonly leases: number
  readonly arenas: number
  readonly arenaBytes: number
  /** Pinned (io_uring) or locked (mlock) bytes the process gained while they held; null where the OS shows no such count (RIO). */
  readonly heldBytes: number | null
  readonly perThread: HoldReport[]
}

export interface FootprintCase {
  readonly arenaSize: number
  readonly one: HoldFigures
  readonly many: HoldFigures
  /** many.arenaBytes over one.arenaBytes. */
  readonly ratio: number
  readonly heldRatio: number | null
}

export interface ThreadsFigures {
  /** Always true here: each thread its own pool. The shared pool's figures will say false. */
  readonly perThreadPools: true
  readonly bars: typeof BARS
  readonly footprint: { readonly way: Way; readonly leasesPerThread: number; readonly size: number; readonly cases: FootprintCase[] }
  readonly throughput: {
    readonly workers: number
    readonly live: number
    readonly size: number
    readonly rounds: number
    readonly opsPerBatch: number
    /** Median ns per pair of the worker alone (orientation only). */
    readonly aloneNs: number
    /** Median ns per floor step of the worker alone (orientation only). */
    readonly floorAloneNs: number
    /** Per round: aggregate pairs/s of the workers together over the worker alone. */
    readonly perRound: number[]
    readonly ratio: Ratio
    /** The same for the floor, in the same rounds: what the machine gave two threads. */
    readonly floorRatio: Ratio
    /** Per round, the pair's ratio over the floor's: how much of that the pools kept. */
    readonly overFloor: Ratio
    /** Median ns per pair of each worker while together (the mean of the workers; orientation only). */
    readonly togetherNs: number
    /** Median gap between the workers' starts, in µs (counted in their span). */
    readonly startSkewUs: number
    /** Why the run's throughput figures cannot be judged (the floor's p25 fell short of FLOOR_MIN), or null. */
    readonly unsure: string | null
  }
}

const spawn = (data: HoldTask | PairsTask) => new Worker(WORKER, { workerData: data })

async function holdIn(threads: number, leases: number, arenaSize: number, way: Way): Promise<HoldFigures> {
  const before = held(way)
  const workers = Array.from({ length: threads }, () => spawn({ task: 'hold', leases, arenaSize, way }))
  const perThread = (await Promise.all(workers.map(w => once(w, 'message')))).map(([report]) => report as HoldReport)
  const during = held(way)
  for (const w of workers) w.postMessage('release')
  await Promise.all(workers.map(w => once(w, 'exit')))
  await settled(way, before)
  const sum = (key: keyof HoldReport) => perThread.reduce((s, r) => s + r[key], 0)
  return {
    threads,
    leases: sum('outstandingLeases'),
    arenas: sum('arenas'),
    arenaBytes: sum('arenaBytes'),
    heldBytes: way === 'rio' ? null : during - before,
    perThread,
  }
}

/** The kernel may unpin a closed ring's pages a little later: wait (up to 2 s) so the next case starts from the same count. */
async function settled(way: Way, before: number): Promise<void> {
  for (let k = 0; k < 40 && held(way) > before; k++) await sleep(50)
}

export async function measureFootprint(leasesPerThread: number): Promise<ThreadsFigures['footprint']> {
  const way = wayOfThisMachine()
  const cases: FootprintCase[] = []
  for (const arenaSize of ARENA_SIZES) {
    const one = await holdIn(1, FOOTPRINT_THREADS * leasesPerThread, arenaSize, way)
    const many = await holdIn(FOOTPRINT_THREADS, leasesPerThread, arenaSize, way)
    const heldRatio = one.heldBytes === null || many.heldBytes === null || one.heldBytes === 0 ? null : many.heldBytes / one.heldBytes
    cases.push({ arenaSize, one, many, ratio: many.arenaBytes / one.arenaBytes, heldRatio })
  }
  return { way, leasesPerThread, size: LEASE_SIZE, cases }
}

/** Starts one batch of case `which` in each of the first `count` workers, together; returns its span in ns. */
function batch(control: Int32Array, times: Float64Array, which: number, count: number): { span: number; perWorkerNs: number; skew: number } {
  Atomics.store(control, Control.Done, 0)
  Atomics.store(control, Control.Arrived, 0)
  Atomics.store(control, Control.Count, count)
  Atomics.store(control, Control.Case, which)
  for (let i = 0; i < count; i++) Atomics.add(control, Control.GoBase + i, 1)
  for (let i = 0; i < count; i++) Atomics.notify(control, Control.GoBase + i)
  for (let done = 0; done < count; done = Atomics.load(control, Control.Done)) {
    if (Atomics.wait(control, Control.Done, done, BATCH_TIMEOUT_MS) === 'timed-out') throw new Error('a threads worker did not finish its batch')
  }
  const starts = Array.from({ length: count }, (_, i) => times[2 * i]!)
  const ends = Array.from({ length: count }, (_, i) => times[2 * i + 1]!)
  return {
    // First start to last end: only work done side by side counts.
    span: Math.max(...ends) - Math.min(...starts),
    perWorkerNs: starts.reduce((sum, start, i) => sum + (ends[i]! - start), 0) / count,
    skew: Math.max(...starts) - Math.min(...starts),
  }
}

const summary = (values: readonly number[]): Ratio => ({ median: median(values), p25: quantile(values, 0.25), p75: quantile(values, 0.75) })

export async function measureThroughput(rounds: number): Promise<ThreadsFigures['throughput']> {
  const n = THROUGHPUT_WORKERS
  const control = new Int32Array(new SharedArrayBuffer(4 * (Control.GoBase + n)))
  const times = new Float64Array(new SharedArrayBuffer(8 * 2 * n))
  const workers = Array.from({ length: n }, (_, index) => spawn({ task: 'pairs', index, control: control.buffer as SharedArrayBuffer, times: times.buffer as SharedArrayBuffer }))
  // A worker failing at start-up rejects here; one failing later, while this thread waits in Atomics.wait, after BATCH_TIMEOUT_MS.
  const ready = (await Promise.all(workers.map(w => once(w, 'message')))).map(([r]) => r as PairsReady)
  const ops = PAIRS_CASES.map((_, c) => Math.max(1000, Math.round(BATCH_NS / ready[0]!.nsPerStep[c]!)))
  ops.forEach((o, c) => Atomics.store(control, Control.OpsBase + c, o))
  const perRound = PAIRS_CASES.map(() => [] as number[])
  const aloneNs = PAIRS_CASES.map(() => [] as number[])
  const togetherNs = PAIRS_CASES.map(() => [] as number[])
  const skews: number[] = []
  for (let r = 0; r < rounds; r++) {
    PAIRS_CASES.forEach((_, c) => {
      const alone = batch(control, times, c, 1)
      const together = batch(control, times, c, n)
      perRound[c]!.push((n * ops[c]! / together.span) / (ops[c]! / alone.span))
      aloneNs[c]!.push(alone.span / ops[c]!)
      togetherNs[c]!.push(together.perWorkerNs / ops[c]!)
      skews.push(together.skew / 1000)
    })
  }
  Atomics.store(control, Control.Quit, 1)
  for (let i = 0; i < n; i++) {
    Atomics.add(control, Control.GoBase + i, 1)
    Atomics.notify(control, Control.GoBase + i)
  }
  await Promise.all(workers.map(w => once(w, 'exit')))
  const [floor, pair] = [0, 1]
  return {
    workers: n,
    live: HOT_PATH_GROUPS.find(g => g.name === '1500')!.live,
    size: LEASE_SIZE,
    rounds,
    opsPerBatch: ops[pair]!,
    aloneNs: median(aloneNs[pair]!),
    togetherNs: median(togetherNs[pair]!),
    floorAloneNs: median(aloneNs[floor]!),
    perRound: perRound[pair]!,
    ratio: summary(perRound[pair]!),
    floorRatio: summary(perRound[floor]!),
    overFloor: summary(perRound[pair]!.map((x, r) => x / perRound[floor]![r]!)),
    startSkewUs: median(skews),
    unsure: quantile(perRound[floor]!, 0.25) < FLOOR_MIN
      ? `the floor's 2-over-1 was under ${FLOOR_MIN}x in a quarter of the rounds or more (p25 ${formatRatio(quantile(perRound[floor]!, 0.25))}x): ` +
        `the machine did not give the ${n} workers ${n} cores`
      : null,
  }
}

export async function measureThreads(leasesPerThread: number, rounds: number): Promise<ThreadsFigures> {
  const footprint = await measureFootprint(leasesPerThread)
  const throughput = await measureThroughput(rounds)
  return { perThreadPools: true, bars: BARS, footprint, throughput }
}

export function printThreads(f: ThreadsFigures): string[] {
  const n = (v: number) => v.toLocaleString('en-US')
  const mib = (b: number | null) => (b === null ? 'n/a' : (b / MiB).toFixed(2))
  const { footprint: fp, throughput: tp } = f
  const w = [50, 8, 7, 10, 10]
  const wt = [50, 8, 11]
  const lines = [
    'Threads, BEFORE the shared pool: every worker thread has its OWN BufferPool (the only way today).',
    'These are the baseline for issue 19; its bars are for the SHARED pool: footprint <= ' +
      `${BARS.footprint}x, throughput >= ${BARS.throughput}x.`,
    '',
    `Footprint: ${FOOTPRINT_THREADS} threads each holding ${n(fp.leasesPerThread)} live ${fp.size} B leases in its own pool, ` +
      `over one thread holding ${n(FOOTPRINT_THREADS * fp.leasesPerThread)} (counted)`,
    `held: ${WAY_NAMES[fp.way]}, read for the whole process while the leases are live`,
    row(['', 'leases', 'arenas', 'arena MiB', 'held MiB'], w),
  ]
  for (const c of fp.cases) {
    const label = `${c.arenaSize / MiB} MiB arenas${c.arenaSize === ARENA_SIZES[0] ? ' (the default)' : ''}`
    lines.push(row([`${label}: 1 thread, 1 pool`, n(c.one.leases), c.one.arenas, mib(c.one.arenaBytes), mib(c.one.heldBytes)], w))
    lines.push(row([`${label}: ${c.many.threads} threads, own pools`, n(c.many.leases), c.many.arenas, mib(c.many.arenaBytes), mib(c.many.heldBytes)], w))
    lines.push(`  ${c.many.threads} threads over 1: arena bytes ${c.ratio.toFixed(2)}x` + (c.heldRatio === null ? '' : `, held ${c.heldRatio.toFixed(2)}x`))
  }
  const spread = (r: Ratio) => `${formatRatio(r.p25)}-${formatRatio(r.p75)}`
  lines.push('')
  lines.push(`Throughput: ${tp.workers} workers, each its own pool, over 1 worker alone: the hot path's ${tp.size} B handle pair,`)
  lines.push(`${n(tp.live)} live per worker, and its Int32Array floor; ${tp.rounds} interleaved rounds (floor 1 alone, ${tp.workers} together,`)
  lines.push(`pair 1 alone, ${tp.workers} together), batches of about 10 ms; medians of per-round ratios`)
  lines.push(row(['', 'median', 'p25-p75'], wt))
  lines.push(row([`handle pairs/s, ${tp.workers} workers over 1`, `${formatRatio(tp.ratio.median)}x`, spread(tp.ratio)], wt))
  lines.push(row([`floor steps/s, ${tp.workers} workers over 1 (the machine)`, `${formatRatio(tp.floorRatio.median)}x`, spread(tp.floorRatio)], wt))
  lines.push(row(['the pair\'s ratio over the floor\'s', `${formatRatio(tp.overFloor.median)}x`, spread(tp.overFloor)], wt))
  lines.push(`ns per step (orientation only): pair ${formatNs(tp.aloneNs)} alone, ${formatNs(tp.togetherNs)} in each worker together; ` +
    `floor ${formatNs(tp.floorAloneNs)} alone; the workers' starts ${tp.startSkewUs.toFixed(1)} µs apart (median)`)
  if (tp.unsure !== null) lines.push(`UNSURE: ${tp.unsure}; run it again when the machine is quieter`)
  lines.push(`1-minute load average at the end: ${os.loadavg()[0]!.toFixed(1)} (another tenant on one of the cores pulls both ratios toward 1x)`)
  return lines
}
