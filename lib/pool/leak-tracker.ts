// Leak detection: which leases are tracked, and what happens when a tracked
// Lease object is garbage-collected while its slot is still leased.
//
// A tracked lease (every lease in 'all' mode, about sampleRate of them in
// 'sample' mode) gets a record: its handle, when it was made and, in 'all'
// mode, the stack that made it (capturing one costs microseconds, more than
// 'sample' may spend). The record lives in `records` (slot index ->
// record) until the lease is freed, through either face, and a Lease object
// over it is watched by a FinalizationRegistry. A finalized Lease whose record
// is still live is a leak: it is reported once, and the slot is quarantined:
// it stays leased, since an I/O request posted before the leak may still point
// at it, and close() stops waiting for it. Handles are numbers, which GC cannot
// watch: their records serve pool.outstanding() (age and stack) only.
import * as path from 'node:path'
import { slotOf } from '../allocator/layout.js'
import type { Arena } from '../arenas/arena.js'
import type { Lease } from './lease.js'

export type LeakDetection = 'off' | 'sample' | 'all'

export const DEFAULT_SAMPLE_RATE = 1 / 128

/** A live lease, as pool.outstanding() lists it. */
export interface OutstandingLease {
  readonly handle: number
  readonly length: number
  readonly capacity: number
  readonly offset: number
  readonly arena: Arena
  readonly refCount: number
  /** Milliseconds since it was leased; null when leak detection did not track it. */
  readonly ageMs: number | null
  /** Where it was leased, when leakDetection: 'all' tracked it. */
  readonly stack?: string
  /** Reported as leaked: its slot is quarantined and close() does not wait for it. */
  readonly leaked: boolean
}

/** What a 'leak' listener, onLeak or the RIOPOOL_LEAK warning gets: the lease as it was found. */
export interface LeakReport extends OutstandingLease {
  /** The size asked for (its length). */
  readonly size: number
}

/** One lease made while leak detection tracked it. */
export class LeaseRecord {
  /** performance.now() when it was leased. */
  readonly leasedAt = performance.now()
  /** Holds the lease's allocation stack ('all' mode), formatted only when read. */
  readonly trace: { stack?: string } | null
  leaked = false

  constructor(readonly handle: number, readonly length: number, withStack: boolean) {
    this.trace = withStack ? {} : null
    if (this.trace !== null) Error.captureStackTrace(this.trace, LeaseRecord)
  }

  /** The allocation stack, the frames below the pool's own; undefined when not captured. */
  get stack(): string | undefined {
    return this.trace?.stack?.split('\n').slice(1).filter(frame => !isPoolFrame(frame)).join('\n')
  }
}

// Frames in this package's own code (compiled, or its sources when source maps
// are on), which every allocation stack starts with.
const packageDirs = [path.resolve(__dirname, '..'), path.resolve(__dirname, '..', '..', '..', 'lib')].map(dir => dir + path.sep)
function isPoolFrame(frame: string): boolean {
  return packageDirs.some(dir => frame.includes(dir))
}

export class LeakTracker {
  /** Slot index -> the record of the tracked lease there, until it is freed. */
  readonly records = new Map<number, LeaseRecord>()
  // 1 where records has the slot: every release asks, and most slots are
  // untracked in 'sample' mode, so the answer must cost a load, not a lookup.
  #trackedSlots = new Uint8Array(1024)
  /** Leaks reported whose slots are still leased (quarantined). */
  readonly leaked = new Set<number>()
  readonly #every: boolean
  readonly #withStacks: boolean
  readonly #meanGap: number
  #countdown: number
  // The record leased() made last, until watch() claims it for a Lease object.
  #unwatched: LeaseRecord | null = null
  readonly #registry = new FinalizationRegistry<LeaseRecord>(record => this.#collected(record))
  readonly #isLive: (handle: number) => boolean
  readonly #onLeak: (record: LeaseRecord) => void

  constructor(mode: 'sample' | 'all', sampleRate: number, isLive: (handle: number) => boolean, onLeak: (record: LeaseRecord) => void) {
    this.#every = mode === 'all' || sampleRate === 1
    this.#withStacks = mode === 'all'
    this.#meanGap = 1 / sampleRate
    this.#countdown = this.#nextGap()
    this.#isLive = isLive
    this.#onLeak = onLeak
  }

  /** Called for every lease made, through either face. */
  leased(handle: number, length: number): void {
    if (!this.#every && --this.#countdown !== 0) return
    if (!this.#every) this.#countdown = this.#nextGap()
    const record = new LeaseRecord(handle, length, this.#withStacks)
    const slot = slotOf(handle)
    if (slot >= this.#trackedSlots.length) this.#growTrackedSlots(slot)
    this.#trackedSlots[slot] = 1
    this.records.set(slot, record)
    this.#unwatched = record
  }

  /** Watches a Lease object made over the handle leased() saw last. */
  watch(lease: Lease): Lease {
    const record = this.#unwatched
    if (record !== null && record.handle === lease.handle) {
      this.#unwatched = null
      // No unregister token: registering with one costs V8 about twice as much
      // as the cleanup callback that a released lease's death then costs.
      this.#registry.register(lease, record)
    }
    return lease
  }

  /** Called when a lease is freed (its last reference gone), through either face. */
  freed(handle: number): void {
    if (this.#trackedSlots[slotOf(handle)] === 1) this.#forget(handle)
  }

  #forget(handle: number): void {
    const slot = slotOf(handle)
    if (this.records.get(slot)?.handle !== handle) return
    this.records.delete(slot)
    this.#trackedSlots[slot] = 0
    this.leaked.delete(handle)
  }

  #growTrackedSlots(slot: number): void {
    const grown = new Uint8Array(Math.max(2 * this.#trackedSlots.length, slot + 1))
    grown.set(this.#trackedSlots)
    this.#trackedSlots = grown
  }

  /** The record of a live handle, if it was tracked. */
  recordOf(handle: number): LeaseRecord | undefined {
    const record = this.records.get(slotOf(handle))
    return record?.handle === handle ? record : undefined
  }

  // A uniform gap in 1 .. 2*mean-1, so samples do not lock onto a periodic pattern.
  #nextGap(): number {
    return 1 + Math.floor(Math.random() * (2 * this.#meanGap - 1))
  }

  #collected(record: LeaseRecord): void {
    if (this.records.get(slotOf(record.handle)) !== record || !this.#isLive(record.handle)) return
    record.leaked = true
    this.leaked.add(record.handle)
    this.#onLeak(record)
  }
}
