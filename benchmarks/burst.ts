// Workload level: a burst of 1,000 IMIX packets (40, 576 and 1500 B, 7:4:1),
// each given a buffer whose first byte is written, then all 1,000 given back.
// The pool's Lease face against Buffer.allocUnsafe doing the same (its
// buffers go to the GC when the next burst replaces them in the held array),
// each against the floor: an Int32Array free list doing the same burst.
//
// Timed with benny (benchmark.js underneath), one call per burst, for every
// case, floor included: benny's per-call overhead (a call from its compiled
// loop, about 1.5 ns here) is spread over 1,000 leases, where a benny call per
// pair once inflated a 3 ns floor to 7 ns. As the method asks, the same calls
// are also timed by a plain loop in the same rounds, and the two must agree
// within 20 %.
//
// Each face runs in its own process with the floor, as the hot path does: in
// one process with Buffer.allocUnsafe, the Lease burst shared its heap and
// collections, and the two methods timed it 1.3-1.5x apart. Each round is one
// benny suite of both cases (their order swapped every round), then plain
// batches of each, as long as benny's samples, of which it takes the median
// as benny does. A figure is the median of per-round ratios to the floor; the
// ratio of two faces divides their medians, as the hot path's last rows do.
import { BufferPool } from '../lib/index.js'
import { formatNs, formatRatio, median, quantile, row, type Ratio } from './harness.js'
import { MiB, imixSizes } from './workloads.js'

export const LEASES_PER_CALL = 1000
/**
 * benny's options per case and round: samples of at least 10 ms (benchmark.js
 * otherwise takes 50 ms here, and under load a round took seconds), at least
 * 5 of them, for maxTime seconds in all (a quick run: less).
 */
const MIN_TIME_S = 0.01
const MIN_SAMPLES = 5
export const MAX_TIME_S = 0.2
export const QUICK_MAX_TIME_S = 0.05
/** A plain batch lasts about one benny sample, and a round takes the median of as many batches as benny's fewest samples. */
const PLAIN_BATCH_NS = MIN_TIME_S * 1e9
/** Each case runs this long before the first round: benchmark.js warms up only as long as it calibrates. */
const WARMUP_NS = 100e6

export type BurstFace = 'lease' | 'allocUnsafe'
type BurstCase = 'floor' | BurstFace
export const BURST_FACES: readonly BurstFace[] = ['lease', 'allocUnsafe']

// What is under test arrives as `target`; `held` outlives the call, so no
// allocation can be dropped. Each case compiles its own copy (new Function),
// so no two share type feedback.
const BURST_SOURCES: Record<BurstCase, { setup?: string; acquire: string; write: string; giveBack: string }> = {
  // target: { stack: Int32Array, top: number, bytes: Uint8Array, lengths: Int32Array }:
  // the slot's first byte and its length are written, as a pool records a lease's.
  floor: {
    setup: 'const stack = target.stack, bytes = target.bytes, lengths = target.lengths; let top = target.top',
    acquire: 'stack[--top]',
    write: 'bytes[x] = i; lengths[x] = sizes[at]',
    giveBack: 'for (let i = 0; i < held.length; i++) stack[top++] = held[i]\n    target.top = top',
  },
  // target: BufferPool
  lease: { acquire: 'target.lease(sizes[at])', write: 'x.buffer[0] = i', giveBack: 'for (let i = 0; i < held.length; i++) held[i].release()' },
  // target: Buffer (the class)
  allocUnsafe: { acquire: 'target.allocUnsafe(sizes[at])', write: 'x[0] = i', giveBack: '' },
}

interface Burst { at: number }
type BurstCall = (target: unknown, held: unknown[], sizes: Int32Array, burst: Burst) => void

function compileBurst(name: BurstCase): BurstCall {
  const src = BURST_SOURCES[name]
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('target', 'held', 'sizes', 'burst', `'use strict'
    const mask = sizes.length - 1
    ${src.setup ?? ''}
    let at = burst.at
    for (let i = 0; i < held.length; i++) {
      const x = ${src.acquire}
      ${src.write}
      held[i] = x
      at = (at + 1) & mask
    }
    ${src.giveBack}
    burst.at = at`) as BurstCall
}

interface TimedBurst {
  readonly name: BurstCase
  readonly call: () => void
  /** Throws if the case went wrong (run after timing). */
  readonly check: () => void
}

function timedBurst(name: BurstCase): TimedBurst {
  const run = compileBurst(name)
  const sizes = imixSizes()
  const held: unknown[] = new Array(LEASES_PER_CALL).fill(null)
  const burst: Burst = { at: 0 }
  const bind = (target: unknown) => () => run(target, held, sizes, burst)
  switch (name) {
    case 'floor': {
      const stack = Int32Array.from({ length: LEASES_PER_CALL }, (_, k) => k)
      const target = { stack, top: LEASES_PER_CALL, bytes: new Uint8Array(LEASES_PER_CALL), lengths: new Int32Array(LEASES_PER_CALL) }
      return { name, call: bind(target), check: () => { if (target.top !== LEASES_PER_CALL) throw new Error(`the floor's burst ended at top ${target.top}`) } }
    }
    case 'lease': {
      const pool = new BufferPool({ arenaSize: 4 * MiB, registration: 'off' })
      return {
        name,
        call: bind(pool),
        check: () => {
          const { outstandingLeases } = pool.stats()
          if (outstandingLeases !== 0) throw new Error(`the Lease burst left ${outstandingLeases} leases outstanding`)
        },
      }
    }
    case 'allocUnsafe':
      return { name, call: bind(Buffer), check: () => {} }
  }
}

/** benny prints a line as each suite starts; a child's stdout carries only its JSON figures. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const log = console.log
  console.log = () => {}
  try {
    return await work()
  } finally {
    console.log = log
  }
}

function plainMedianNsPerCall(call: () => void, calls: number): number {
  return median(Array.from({ length: MIN_SAMPLES }, () => plainNsPerCall(call, calls)))
}

function plainNsPerCall(call: () => void, calls: number): number {
  const start = process.hrtime.bigint()
  for (let k = 0; k < calls; k++) call()
  return Number(process.hrtime.bigint() - start) / calls
}

/** One face's burst against the floor's: what one child process measures. Times are ns per call. */
export interface BurstFaceFigures {
  readonly face: BurstFace
  readonly benny: { readonly face: number[]; readonly floor: number[] }
  readonly plain: { readonly face: number[]; readonly floor: number[] }
}

export async function measureBurstFace(face: BurstFace, rounds: number, maxTime: number): Promise<BurstFaceFigures> {
  // benny (with benchmark.js and lodash) loads here, in the burst's own
  // process only. Loaded by every child (report.js imports this module), it
  // put the 1500-byte Lease pair at about 120x the floor instead of 13x in 10
  // processes of 24 (the code before it: none of 24). A CPU profile of such a
  // process spends its time in the harness's timeBatch itself and in lease()
  // as a call of its own: the case's loop inlined into timeBatch, with the
  // inlining budget spent before lease() and release().
  const { add, suite } = await import('benny')
  const cases = [timedBurst('floor'), timedBurst(face)]
  const benny = new Map<BurstCase, number[]>(cases.map(c => [c.name, []]))
  const plain = new Map<BurstCase, number[]>(cases.map(c => [c.name, []]))
  for (const c of cases) {
    for (let spent = 0; spent < WARMUP_NS;) spent += plainNsPerCall(c.call, 10) * 10
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? cases : [...cases].reverse()
    // benny calls each setup function (the outer arrow) more than once; it builds nothing.
    const result = await quietly(() => suite(`IMIX bursts: ${face}`,
      ...order.map(c => add(c.name, () => c.call, { minTime: MIN_TIME_S, maxTime, minSamples: MIN_SAMPLES }))))
    for (const c of result.results) benny.get(c.name as BurstCase)!.push(c.details.median * 1e9)
    for (const c of order) plain.get(c.name)!.push(plainMedianNsPerCall(c.call, Math.max(1, Math.round(PLAIN_BATCH_NS / benny.get(c.name)![r]!))))
  }
  for (const c of cases) c.check()
  return {
    face,
    benny: { face: benny.get(face)!, floor: benny.get('floor')! },
    plain: { face: plain.get(face)!, floor: plain.get('floor')! },
  }
}

export interface BurstFigures {
  readonly rounds: number
  readonly leasesPerCall: number
  /** benny's median ns per lease (per call, over the leases in a call) of the floor, over both processes: orientation only. */
  readonly floorNs: number
  /** Per face: benny's median ns per lease, and the median of per-round ratios to the floor, by benny and by the plain loop. */
  readonly faces: Record<BurstFace, { ns: number; vsFloor: Ratio; plainVsFloor: Ratio }>
  /** Buffer.allocUnsafe's burst over the Lease burst: each face's median ratio to its floor, divided; by benny, and by the plain loop. */
  readonly allocUnsafeOverLease: Ratio
  readonly plainAllocUnsafeOverLease: Ratio
  /** Per case, the median of per-round (plain-loop time / benny's time): 1 when benny's overhead is amortised. */
  readonly plainOverBenny: Record<BurstFace | 'floorWithLease' | 'floorWithAllocUnsafe', Ratio>
}

function summary(values: readonly number[]): Ratio {
  return { median: quantile(values, 0.5), p25: quantile(values, 0.25), p75: quantile(values, 0.75) }
}

/** a over b where each was measured against its own floor: medians divided, spread from the quartiles crossed. */
function across(a: Ratio, b: Ratio): Ratio {
  return { median: a.median / b.median, p25: a.p25 / b.p75, p75: a.p75 / b.p25 }
}

const perRound = (a: readonly number[], b: readonly number[]) => a.map((ns, r) => ns / b[r]!)

/** Assembles the children's figures into the report's. */
export function burstFigures(rounds: number, children: readonly BurstFaceFigures[]): BurstFigures {
  const child = (face: BurstFace) => children.find(c => c.face === face)!
  const faces = Object.fromEntries(BURST_FACES.map(face => {
    const { benny, plain } = child(face)
    return [face, { ns: median(benny.face) / LEASES_PER_CALL, vsFloor: summary(perRound(benny.face, benny.floor)), plainVsFloor: summary(perRound(plain.face, plain.floor)) }]
  })) as BurstFigures['faces']
  const selfCheck = (c: BurstFaceFigures, which: 'face' | 'floor') => summary(perRound(c.plain[which], c.benny[which]))
  return {
    rounds,
    leasesPerCall: LEASES_PER_CALL,
    floorNs: median(children.flatMap(c => c.benny.floor)) / LEASES_PER_CALL,
    faces,
    allocUnsafeOverLease: across(faces.allocUnsafe.vsFloor, faces.lease.vsFloor),
    plainAllocUnsafeOverLease: across(faces.allocUnsafe.plainVsFloor, faces.lease.plainVsFloor),
    plainOverBenny: {
      lease: selfCheck(child('lease'), 'face'),
      allocUnsafe: selfCheck(child('allocUnsafe'), 'face'),
      floorWithLease: selfCheck(child('lease'), 'floor'),
      floorWithAllocUnsafe: selfCheck(child('allocUnsafe'), 'floor'),
    },
  }
}

function spread(r: Ratio): string {
  return `${formatRatio(r.p25)}-${formatRatio(r.p75)}`
}

export function printBurst(f: BurstFigures): string[] {
  const w = [46, 9, 9, 11, 13]
  const lines = [
    `Workload: bursts of ${f.leasesPerCall.toLocaleString('en-US')} IMIX buffers (40/576/1500 B, 7:4:1), the first byte of each written,`,
    `then all given back. Timed by benny, one call per burst; each face in its own process against the floor (the`,
    `same burst on an Int32Array free list), in ${f.rounds} rounds; ratios are medians of per-round ratios to the floor.`,
    row(['', 'ns/lease', 'vs floor', 'p25-p75', 'plain loop'], w),
    row(['floor: Int32Array free list', formatNs(f.floorNs), '1.00x', '', ''], w),
    row(['Lease: pool.lease(n), .buffer[0]; release all', formatNs(f.faces.lease.ns), `${formatRatio(f.faces.lease.vsFloor.median)}x`, spread(f.faces.lease.vsFloor), `${formatRatio(f.faces.lease.plainVsFloor.median)}x`], w),
    row(['Buffer.allocUnsafe(n), [0] (to the GC)', formatNs(f.faces.allocUnsafe.ns), `${formatRatio(f.faces.allocUnsafe.vsFloor.median)}x`, spread(f.faces.allocUnsafe.vsFloor), `${formatRatio(f.faces.allocUnsafe.plainVsFloor.median)}x`], w),
    row(['Buffer.allocUnsafe burst / Lease burst', '', `${formatRatio(f.allocUnsafeOverLease.median)}x`, spread(f.allocUnsafeOverLease), `${formatRatio(f.plainAllocUnsafeOverLease.median)}x`], w),
    'Self-check: each case also timed by a plain loop of the same calls, same rounds',
  ]
  const labels: Record<keyof BurstFigures['plainOverBenny'], string> = {
    lease: 'Lease burst', allocUnsafe: 'Buffer.allocUnsafe burst', floorWithLease: 'floor (Lease process)', floorWithAllocUnsafe: 'floor (allocUnsafe process)',
  }
  for (const [key, label] of Object.entries(labels) as Array<[keyof BurstFigures['plainOverBenny'], string]>) {
    const r = f.plainOverBenny[key]
    lines.push(row([`plain loop / benny, ${label}`, '', `${formatRatio(r.median)}x`, spread(r)], w) +
      (Math.abs(r.median - 1) > 0.2 ? '  WARNING: the methods disagree by more than 20 %' : '  agree within 20 %'))
  }
  return lines
}
