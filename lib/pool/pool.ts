// BufferPool: the public faces over one allocator. It checks options, makes
// the allocator with a factory of registered arenas, serves acquire() waiters
// (acquire-queue.ts), trims idle arenas off the hot path, reports leaks, and
// closes in order (pool-closing.ts): refuse new leases, wait for the last
// release (leaked ones aside), deregister, free.
import { EventEmitter } from 'node:events'
import { Allocator } from '../allocator/allocator.js'
import { optionalSignal, optionsObject } from '../arguments.js'
import { adoptedArenas, requireRio, type Arena } from '../arenas/arena.js'
import { PoolError, invalidThis, thrownAsWarning } from '../errors.js'
import { AcquireQueue } from './acquire-queue.js'
import { describeLease, poolStats, warnClosePending, warnLeak, type PoolStats } from './diagnostics.js'
import {
  Handles, checkLeaseSize, checkNotInCallback, closeHandles, leaseFromCache, leaseOrNone, makeHandles, inRegistrarCallback, releaseHandle, setHandlesAttention,
} from './handles.js'
import { Instruments } from './instruments.js'
import { LeakTracker, type LeakReport, type LeaseRecord, type OutstandingLease } from './leak-tracker.js'
import { Lease, leaseObject } from './lease.js'
import { Closing, closeOptions, keepWhileQuarantined, type CloseOptions } from './pool-closing.js'
import { poolSettings, type BufferPoolOptions } from './pool-options.js'

export type { CloseOptions } from './pool-closing.js'
export type { PoolStats } from './diagnostics.js'

export interface BufferPool {
  on(event: 'leak', listener: (report: LeakReport) => void): this
  once(event: 'leak', listener: (report: LeakReport) => void): this
  off(event: 'leak', listener: (report: LeakReport) => void): this
}

/** Whether value is a BufferPool (has its private fields); assigned in BufferPool's static block. */
let isPool: (value: unknown) => boolean

/** Throws ERR_INVALID_THIS unless receiver is a BufferPool: for members off the hot path. */
function checkPool(receiver: unknown): void {
  if (!isPool(receiver)) throw invalidThis('BufferPool')
}

export class BufferPool extends EventEmitter {
  /** The zero-allocation face of this pool: leases as numbers. */
  // declare: set once by the constructor, so V8 keeps the field's type (see Handles).
  declare readonly handles: Handles
  readonly #allocator: Allocator<Arena>
  readonly #tracker: LeakTracker | null
  readonly #onLeak: ((report: LeakReport) => void) | undefined
  readonly #arenaSize: number
  readonly #maxBytes: number
  readonly #spareArenas: number
  readonly #queue: AcquireQueue
  #maintenance: NodeJS.Immediate | undefined
  #closing: Closing | undefined
  // The Registrar's EBUSY that made the last lease find no room, for its message.
  #registrarFull: unknown
  // Causes (code and message) of maintenance failures already warned of.
  #warned: Set<string> | undefined

  static {
    isPool = value => typeof value === 'object' && value !== null && #allocator in value
  }

  constructor(options?: BufferPoolOptions) {
    super()
    const settings = poolSettings(options)
    this.#arenaSize = settings.arenaSize
    this.#maxBytes = settings.maxBytes
    this.#spareArenas = settings.spareArenas
    const { registration, lock, largePages, leakDetection, sampleRate, poison, zero } = settings
    if (registration === 'required') requireRio()

    // A Registrar's register() and deregister() run while the allocator is
    // mid-change: the pool refuses any call they make back into it.
    const arenas = adoptedArenas({ registration, lock, largePages })
    this.#allocator = new Allocator({
      arenaSize: this.#arenaSize,
      maxBytes: this.#maxBytes,
      arenas: {
        open: (size, leases) => inRegistrarCallback(this.handles, () => this.#openArena(arenas, size, leases)),
        close: arena => inRegistrarCallback(this.handles, () => {
          arenas.close(arena)
          // Cached views hold the arena's mapping alive.
          this.handles.views.clear()
        }),
      },
      onGrow: () => this.#updateAttention(),
      onRetire: (first, count) => this.handles.views.forget(first, count),
    })
    this.#onLeak = settings.onLeak
    const tracker = this.#tracker = leakDetection === 'off'
      ? null
      : new LeakTracker(leakDetection, sampleRate, h => this.handles.refCount(h) > 0, record => this.#leaked(record))
    // Only a pool that asked for checks gets instruments, so a default pool's
    // lease and release run the plain code.
    const instruments = tracker !== null || poison || zero !== 'never' ? new Instruments(tracker, poison, zero) : null
    this.handles = makeHandles(this.#allocator, {
      maxLeaseSize: this.#arenaSize,
      exhausted: size => this.#exhausted(size),
      freed: () => this.#released(),
    }, instruments)
    this.#queue = new AcquireQueue(settings.maxWaiters, {
      tryLease: size => leaseOrNone(this.handles, size),
      leaseObject: (h, size) => leaseObject(this.handles, h, size),
      release: h => { releaseHandle(this.handles, h, 1) },
      closing: () => this.#closing !== undefined,
      changed: () => this.#updateAttention(),
    })
  }

  /** A lease of `size` bytes; throws RIOPOOL_EXHAUSTED when there is no room within maxBytes. */
  // lease and tryLease check no receiver (the hot path): a foreign one fails
  // reading this.handles, and the catch re-codes that.
  lease(size: number): Lease {
    try {
      const handles = this.handles
      return leaseObject(handles, leaseFromCache(handles, size), size)
    } catch (error) {
      throw isPool(this) ? error : invalidThis('BufferPool')
    }
  }

  /** A lease of `size` bytes, or null when there is no room within maxBytes. */
  tryLease(size: number): Lease | null {
    try {
      const handles = this.handles
      const h = leaseOrNone(handles, size)
      return h < 0 ? null : leaseObject(handles, h, size)
    } catch (error) {
      throw isPool(this) ? error : invalidThis('BufferPool')
    }
  }

  /** A lease of `size` bytes, waiting (first come, first served) for room. */
  acquire(size: number, options?: { signal?: AbortSignal }): Promise<Lease> {
    try {
      checkPool(this)
      checkNotInCallback(this.handles)
      const signal = optionalSignal(optionsObject<{ signal?: AbortSignal }>(options, ['signal']).signal, 'options.signal')
      if (this.#closing) throw new PoolError('RIOPOOL_CLOSED', 'The pool is closed')
      checkLeaseSize(size, this.#arenaSize)
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (this.#queue.length === 0) {
        const h = leaseOrNone(this.handles, size)
        if (h >= 0) return Promise.resolve(leaseObject(this.handles, h, size))
      }
      return this.#queue.wait(size, signal)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  // A Registrar whose register() throws EBUSY has no slot free now (an
  // io_uring table full): no room, as at maxBytes, so tryLease() gives null
  // and acquire() waits; lease() says why.
  #openArena(arenas: ReturnType<typeof adoptedArenas>, size: number, leases: () => number): Arena | null {
    try {
      return arenas.open(size, leases)
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== 'EBUSY') throw error
      this.#registrarFull = error
      return null
    }
  }

  /** A release freed a lease while attention was on. */
  #released(): void {
    if (!this.#closing && this.#allocator.arenas.count > this.#spareArenas) this.#scheduleMaintenance()
    this.#freed()
  }

  #freed(): void {
    if (this.#closing) this.#tryFinishClose()
    else this.#queue.serve()
  }

  // Frees are reported while someone waits for room, while closing, and,
  // while the pool holds more arenas than it keeps spare, until one free has
  // scheduled this turn's maintenance, which looks for emptied arenas (and
  // turns this on again). A pool within its spares (the usual one-arena
  // pool) hears of no free at all.
  #updateAttention(): void {
    setHandlesAttention(this.handles, this.#closing !== undefined || this.#queue.length !== 0 ||
      (this.#maintenance === undefined && this.#allocator.arenas.count > this.#spareArenas))
  }

  #exhausted(size: number): PoolError {
    const a = this.#allocator
    // The Registrar, not the budget, refused when another arena would still fit.
    const cause = a.arenas.bytes + this.#arenaSize <= this.#maxBytes ? this.#registrarFull : undefined
    const where = cause === undefined ? `within maxBytes (${this.#maxBytes})` : `in a registered arena (${(cause as Error).message})`
    return new PoolError('RIOPOOL_EXHAUSTED',
      `No room for a lease of ${size} bytes ${where}: ` +
      `${a.arenas.bytes} bytes in arenas, ${a.outstanding().leasedBytes} leased. Release leases, raise maxBytes, or wait with acquire()`,
      cause === undefined ? undefined : { cause })
  }

  #scheduleMaintenance(): void {
    if (this.#maintenance || this.#closing) return
    this.#maintenance = setImmediate(() => {
      this.#maintenance = undefined
      if (this.#closing) return
      try {
        this.#allocator.trimIdle(this.#spareArenas)
      } catch (error) {
        this.#warnOnce(error)
      }
      // Trimming can make room under maxBytes that a waiter needs.
      if (this.#queue.length !== 0) this.#freed()
      else this.#updateAttention()
    })
    this.#maintenance.unref()
  }

  // A failure that repeats on every turn (a Registrar that cannot deregister)
  // is worth one warning, not one per release.
  #warnOnce(error: unknown): void {
    const { warning, cause } = thrownAsWarning(error)
    this.#warned ??= new Set()
    if (this.#warned.has(cause)) return
    this.#warned.add(cause)
    process.emitWarning(warning)
  }

  /** Frees every empty arena now, spares included, and drops the views kept for reuse. */
  trim(): void {
    checkPool(this)
    checkNotInCallback(this.handles)
    this.handles.views.clear()
    try {
      this.#allocator.trim(0)
    } finally {
      this.#updateAttention()
    }
    if (this.#queue.length !== 0) this.#freed()
  }

  get closed(): boolean {
    checkPool(this)
    return this.#closing !== undefined
  }

  /**
   * Stops new leases at once (pending acquire()s reject with RIOPOOL_CLOSED);
   * resolves once the last lease is released and every arena is deregistered
   * and freed. Without a signal, every call returns the same promise. With
   * one, an abort rejects this call's wait (an AbortError naming the leases
   * still held, the signal's reason as its cause); the pool stays closing.
   * If leases are still held warnAfterMs (default 10 s) after the first
   * call, a warning with code RIOPOOL_CLOSE_PENDING says what is held, once.
   */
  close(options?: CloseOptions): Promise<void> {
    let signal: AbortSignal | undefined
    let warnAfterMs: number
    try {
      checkPool(this)
      ;({ signal, warnAfterMs } = closeOptions(options))
      checkNotInCallback(this.handles)
    } catch (error) {
      return Promise.reject(error)
    }
    const closing = this.#closing ?? this.#beginClose(warnAfterMs)
    return signal === undefined ? closing.promise : closing.waitUnless(signal, () => this.#heldLeases())
  }

  #beginClose(warnAfterMs: number): Closing {
    const closing = this.#closing = new Closing(warnAfterMs, waitedMs => {
      if (!closing.pending) return
      const a = this.#allocator
      warnClosePending(waitedMs, this.#heldLeases(), a.outstanding().requestedBytes, a.arenas.count)
    })
    closeHandles(this.handles)
    this.#queue.rejectAll(new PoolError('RIOPOOL_CLOSED', 'The pool was closed while waiting'))
    if (this.#maintenance) clearImmediate(this.#maintenance)
    this.#maintenance = undefined
    this.#updateAttention()
    this.#tryFinishClose()
    return closing
  }

  /** Leases close() waits for: all live ones but the quarantined (leaked) ones. */
  #heldLeases(): number {
    return this.#allocator.liveLeases() - this.#quarantined()
  }

  // Counted from the handles, not the set's size: a release frees the slot
  // before the tracker hears of it.
  #quarantined(): number {
    let live = 0
    for (const h of this.#tracker?.leaked ?? []) if (this.handles.refCount(h) > 0) live++
    return live
  }

  // Also runs after close() has resolved, when a quarantined lease is released
  // through pool.handles at last: its arena can then go.
  #tryFinishClose(): void {
    const closing = this.#closing!
    if (this.#heldLeases() !== 0) return
    const pending = closing.pending
    try {
      this.#allocator.trim(0)
      closing.settle()
    } catch (error) {
      if (pending) closing.settle(error)
      else this.#warnOnce(error)
    }
    keepWhileQuarantined(this, this.#allocator.arenas.count !== 0)
  }

  /** The leak tracker found a Lease object collected while its slot was still leased. */
  #leaked(record: LeaseRecord): void {
    // Closing may have waited only for this one; settle that before user code runs.
    if (this.#closing) this.#tryFinishClose()
    const report: LeakReport = { ...describeLease(this.handles, this.#tracker, record.handle), size: record.length }
    const listened = this.listenerCount('leak') !== 0
    if (this.#onLeak) this.#onLeak(report)
    if (listened) this.emit('leak', report)
    if (!this.#onLeak && !listened) warnLeak(report)
  }

  /**
   * Every live lease, both faces, lowest slot first: what close() waits for.
   * Ages and stacks are known for the leases leak detection tracked.
   */
  outstanding(): OutstandingLease[] {
    checkPool(this)
    return this.#allocator.liveHandles().map(h => describeLease(this.handles, this.#tracker, h))
  }

  stats(): PoolStats {
    checkPool(this)
    return poolStats(this.#allocator, this.#queue.length, this.#quarantined())
  }
}
