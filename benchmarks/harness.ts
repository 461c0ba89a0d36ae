// Interleaved rounds of direct loops, and medians of per-round ratios.
//
// Every case is a function running `ops` steps of its loop. Each is first
// calibrated (and warmed) to a batch of at least MIN_OPS steps and about
// BATCH_NS (short, so that on a shared machine most batches run inside one
// scheduler time slice); then every round times one batch of every case in turn
// (A B C A B C ...), so a noisy moment on this shared machine hits all cases
// of a round alike. A case's figure is the median over rounds of its time
// divided by its baseline's time in the same round.

export interface Case {
  readonly name: string
  /** Runs ops steps of the case's loop. */
  readonly run: (ops: number) => void
  /** Throws if the case went wrong (run after timing, never inside it). */
  readonly check?: () => void
}

export interface Timings {
  /** Case name -> ns per step, one entry per round. */
  readonly ns: Map<string, number[]>
  readonly rounds: number
}

const MIN_OPS = 1000
const BATCH_NS = 0.5e6
const WARMUP_NS = 100e6
const WARMUP_STEPS = 20_000

export function timeBatch(run: (ops: number) => void, ops: number): number {
  const start = process.hrtime.bigint()
  run(ops)
  return Number(process.hrtime.bigint() - start) / ops
}

// timeBatch's call to run is made megamorphic before any case reaches it.
// While it saw one case (the first one calibrated), V8 inlined that case's
// run, and its loop, into timeBatch as that very closure: what the closure
// captured (the ring, the stack, the pool) became constants in the machine
// code, so that case ran without a map check or a base and length load per
// step, until the next case deoptimised timeBatch; polymorphic (up to four
// cases, as in the self-check) it could stay so. Megamorphic, the call is a
// plain call, and every case runs its own optimised code.
// eslint-disable-next-line @typescript-eslint/no-implied-eval
for (let k = 0; k < 8; k++) timeBatch(new Function('ops', '') as (ops: number) => void, 1)

/**
 * Warms a case up, then finds its steps per batch: at least MIN_OPS, grown
 * until a batch takes about BATCH_NS. The warm-up comes first and is long
 * (WARMUP_NS, in many calls): sized while V8 still interprets the loop, a
 * batch came out a few thousand steps long, and every call then spent much
 * of itself climbing back into optimised code.
 */
export function calibrate(run: (ops: number) => void): number {
  let warm = 0
  for (let ops = MIN_OPS; warm < WARMUP_NS; ops = Math.min(ops * 2, WARMUP_STEPS)) warm += timeBatch(run, ops) * ops
  let ops = MIN_OPS
  while (timeBatch(run, ops) * ops < BATCH_NS / 2 && ops < 1 << 24) ops *= 2
  return ops
}

export function timeInterleaved(cases: readonly Case[], rounds: number): Timings {
  const ops = cases.map(c => calibrate(c.run))
  // A second pass: cases calibrated early may have been deoptimised by what
  // later cases fed the shared code.
  cases.forEach((c, k) => timeBatch(c.run, ops[k]!))
  const ns = new Map<string, number[]>(cases.map(c => [c.name, []]))
  for (let r = 0; r < rounds; r++) {
    cases.forEach((c, k) => ns.get(c.name)!.push(timeBatch(c.run, ops[k]!)))
  }
  for (const c of cases) c.check?.()
  return { ns, rounds }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!
}

/** A figure and its spread: the median of per-round ratios, and their 25th and 75th percentiles. */
export interface Ratio {
  readonly median: number
  readonly p25: number
  readonly p75: number
}

/** Per-round ratios of case a over case b (both timed in each round). */
export function ratio(t: Timings, a: string, b: string): Ratio {
  const na = t.ns.get(a)!
  const nb = t.ns.get(b)!
  const ratios = na.map((ns, r) => ns / nb[r]!)
  return { median: median(ratios), p25: quantile(ratios, 0.25), p75: quantile(ratios, 0.75) }
}

export function medianNs(t: Timings, name: string): number {
  return median(t.ns.get(name)!)
}

export function formatNs(ns: number): string {
  return ns < 10 ? ns.toFixed(2) : ns < 100 ? ns.toFixed(1) : ns.toFixed(0)
}

export function formatRatio(r: number): string {
  // Below 0.1 (a path far faster than its baseline), two significant digits, not 0.00.
  return r < 0.1 ? r.toPrecision(2) : r < 10 ? r.toFixed(2) : r < 100 ? r.toFixed(1) : r.toFixed(0)
}

export function row(cells: Array<string | number>, widths: number[]): string {
  return cells.map((cell, k) => (k === 0 ? String(cell).padEnd(widths[k]!) : String(cell).padStart(widths[k]!))).join('  ')
}
