// BufferPool: the public face. Validates options, owns the allocator, queues
// acquire() callers, trims idle arenas off the hot path, reports leaks, and
// closes in order: refuse new leases, wait for the last release (leaked ones
// aside), deregister, free.
import { EventEmitter } from 'node:events'
import { Allocator, type ClassStats } from '../allocator/allocator.js'
import { optionsObject, requireRio } from '../arenas/arena.js'
import { PoolError, invalidArgType, invalidThis } from '../errors.js'
import { Handles, checkLeaseSize, closeHandles, leaseHandle, makeHandles, setHandlesAttention } from './handles.js'
import { InstrumentedLease, makeInstrumentedHandles } from './instrumented.js'
import { LeakTracker, type LeakReport, type LeaseRecord, type OutstandingLease } from './leak-tracker.js'
import { Lease } from './lease.js'
import { poolSettings, wholeNumber, type BufferPoolOptions } from './pool-options.js'

export interface PoolStats {
  arenas: number
  arenaBytes: number
  leasedBytes: number
  requestedBytes: number
  outstandingLeases: number
  peakArenaBytes: number
  waiters: number
  /** Leases reported leaked whose slots stay quarantined (never reused, not waited for by close()). */
  leakedLeases: number
  classes: ClassStats[]
}

export interface CloseOptions {
  /** Aborting it rejects this close()'s wait; the pool stays closing. */
  signal?: AbortSignal
  /** Warn (code RIOPOOL_CLOSE_PENDING) when leases are still held this long after close(). Default 10,000. */
  warnAfterMs?: number
}

const CLOSE_WARNING_MS = 10_000

// Closed pools still holding quarantined (leaked) leases: their arenas stay
// mapped and registered, since I/O posted before the leak may still use them,
// so neither the pools nor their arenas may be collected.
const quarantinedPools = new Set<BufferPool>()

// What runs if the process runs out of work: one process listener for all
// pools, however many closes are pending (a listener each would pass
// EventEmitter's default limit of 10).
const atExit = new Set<() => void>()
function runAtExit(): void {
  for (const warn of [...atExit]) warn()
}
function untilExit(warn: () => void, on: boolean): void {
  if (on) atExit.add(warn)
  else atExit.delete(warn)
  if (atExit.size === 0) process.off('beforeExit', runAtExit)
  else if (on && atExit.size === 1) process.on('beforeExit', runAtExit)
}

/** Node's AbortError shape: the signal's reason as the cause, the leases still held in the message. */
function closeAborted(reason: unknown, held: number): Error {
  const error = new Error(`close() stopped waiting: ${held} lease(s) still held; the pool stays closing`, { cause: reason })
  error.name = 'AbortError'
  return Object.assign(error, { code: 'ABORT_ERR' })
}

interface Waiter {
  readonly size: number
  readonly resolve: (lease: Lease) => void
  readonly reject: (reason: unknown) => void
  readonly signal: AbortSignal | undefined
  readonly onAbort: () => void
}

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
  readonly #allocator: Allocator
  readonly #tracker: LeakTracker | null
  // Leak detection, poison or zero on: the faces are the instrumented ones.
  readonly #instrumented: boolean
  readonly #onLeak: ((report: LeakReport) => void) | undefined
  readonly #arenaSize: number
  readonly #maxBytes: number
  readonly #spareArenas: number
  readonly #maxWaiters: number
  readonly #waiters: Waiter[] = []
  #maintenance: NodeJS.Immediate | undefined
  #closing: Promise<void> | undefined
  #finishClose: ((error?: unknown) => void) | undefined

  static {
    isPool = value => typeof value === 'object' && value !== null && #allocator in value
  }

  constructor(options?: BufferPoolOptions) {
    super()
    const settings = poolSettings(options)
    this.#arenaSize = settings.arenaSize
    this.#maxBytes = settings.maxBytes
    this.#spareArenas = settings.spareArenas
    this.#maxWaiters = settings.maxWaiters
    const { registration, lock, largePages, leakDetection, sampleRate, poison, zero } = settings
    if (registration === 'required') requireRio()

    this.#allocator = new Allocator({
      arenaSize: this.#arenaSize,
      maxBytes: this.#maxBytes,
      arenaOptions: { registration, lock, largePages },
      onGrow: () => this.#updateAttention(),
    })
    const host = {
      maxLeaseSize: this.#arenaSize,
      exhausted: (size: number) => this.#exhausted(size),
      freed: () => this.#released(),
    }
    this.#onLeak = settings.onLeak
    const tracker = this.#tracker = leakDetection === 'off'
      ? null
      : new LeakTracker(leakDetection, sampleRate, h => this.handles.refCount(h) > 0, record => this.#leaked(record))
    this.#instrumented = tracker !== null || poison || zero !== 'never'
    if (!this.#instrumented) {
      this.handles = makeHandles(this.#allocator, host)
      return
    }
    // Only a pool that asked for checks gets the instrumented faces, so a
    // default pool's lease/release code is untouched. Own methods, so other
    // pools keep the plain prototype ones.
    const handles = this.handles = makeInstrumentedHandles(this.#allocator, host, { tracker, poison, zero })
    Object.defineProperties(this, {
      lease: { value: (size: number): Lease => this.#newLease(handles.lease(size), size), writable: true, configurable: true },
      tryLease: {
        value: (size: number): Lease | null => {
          const h = handles.tryLease(size)
          return h < 0 ? null : this.#newLease(h, size)
        },
        writable: true,
        configurable: true,
      },
    })
  }

  /** A lease of `size` bytes; throws RIOPOOL_EXHAUSTED when there is no room within maxBytes. */
  // lease and tryLease check no receiver (the hot path): a foreign one fails
  // reading this.handles, and the catch re-codes that.
  lease(size: number): Lease {
    try {
      return new Lease(this.handles, leaseHandle(this.handles, size), size)
    } catch (error) {
      throw isPool(this) ? error : invalidThis('BufferPool')
    }
  }

  /** A lease of `size` bytes, or null when there is no room within maxBytes. */
  tryLease(size: number): Lease | null {
    try {
      const h = this.handles.tryLease(size)
      return h < 0 ? null : new Lease(this.handles, h, size)
    } catch (error) {
      throw isPool(this) ? error : invalidThis('BufferPool')
    }
  }

  /** A lease of `size` bytes, waiting (first come, first served) for room. */
  acquire(size: number, options?: { signal?: AbortSignal }): Promise<Lease> {
    try {
      checkPool(this)
      const { signal } = optionsObject<{ signal?: AbortSignal }>(options, ['signal'])
      if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal)
      if (this.#closing) throw new PoolError('RIOPOOL_CLOSED', 'The pool is closed')
      checkLeaseSize(size, this.#arenaSize)
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (this.#waiters.length === 0) {
        const h = this.handles.tryLease(size)
        if (h >= 0) return Promise.resolve(this.#newLease(h, size))
      }
      if (this.#waiters.length >= this.#maxWaiters) {
        throw new PoolError('RIOPOOL_EXHAUSTED', `No room for ${size} bytes and ${this.#waiters.length} acquire() calls already wait (maxWaiters)`)
      }
      return this.#enqueue(size, signal)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #enqueue(size: number, signal: AbortSignal | undefined): Promise<Lease> {
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = {
        size,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.#waiters.indexOf(waiter)
          if (at >= 0) this.#waiters.splice(at, 1)
          reject(signal!.reason)
          // The head may have been what held the others back.
          if (at === 0) this.#freed()
          else this.#updateAttention()
        },
      }
      signal?.addEventListener('abort', waiter.onAbort, { once: true })
      this.#waiters.push(waiter)
      this.#updateAttention()
    })
  }

  #newLease(h: number, size: number): Lease {
    if (!this.#instrumented) return new Lease(this.handles, h, size)
    const lease = new InstrumentedLease(this.handles, h, size)
    return this.#tracker === null ? lease : this.#tracker.watch(lease)
  }

  /** A release freed a lease while attention was on. */
  #released(): void {
    if (!this.#closing && this.#allocator.arenas.count > this.#spareArenas) this.#scheduleMaintenance()
    this.#freed()
  }

  #freed(): void {
    if (this.#closing) {
      this.#tryFinishClose()
      return
    }
    while (this.#waiters.length !== 0) {
      const waiter = this.#waiters[0]!
      let h: number
      try {
        h = this.handles.tryLease(waiter.size)
      } catch (error) {
        this.#dequeue(waiter).reject(error) // the OS refused a new arena: tell the waiter, not the releaser
        continue
      }
      if (h < 0) break
      if (this.#closing || this.#waiters[0] !== waiter) {
        // A Registrar called back into the pool while the lease grew an arena.
        this.handles.release(h)
        break
      }
      this.#dequeue(waiter).resolve(this.#newLease(h, waiter.size))
    }
    this.#updateAttention()
  }

  /** Precondition: waiter is at the head of the queue. */
  #dequeue(waiter: Waiter): Waiter {
    this.#waiters.shift()
    waiter.signal?.removeEventListener('abort', waiter.onAbort)
    return waiter
  }

  // Frees are reported while someone waits for room, while closing, and,
  // while the pool holds more arenas than it keeps spare, until one free has
  // scheduled this turn's maintenance, which looks for emptied arenas (and
  // turns this on again). A pool within its spares (the usual one-arena
  // pool) hears of no free at all.
  #updateAttention(): void {
    setHandlesAttention(this.handles, this.#closing !== undefined || this.#waiters.length !== 0 ||
      (this.#maintenance === undefined && this.#allocator.arenas.count > this.#spareArenas))
  }

  #exhausted(size: number): PoolError {
    const a = this.#allocator
    return new PoolError('RIOPOOL_EXHAUSTED',
      `No room for a lease of ${size} bytes within maxBytes (${this.#maxBytes}): ` +
      `${a.arenas.bytes} bytes in arenas, ${a.outstanding().leasedBytes} leased. Release leases, raise maxBytes, or wait with acquire()`)
  }

  #scheduleMaintenance(): void {
    if (this.#maintenance || this.#closing) return
    this.#maintenance = setImmediate(() => {
      this.#maintenance = undefined
      if (this.#closing) return
      try {
        this.#allocator.trimIdle(this.#spareArenas)
      } catch (error) {
        process.emitWarning(error as Error)
      }
      // Trimming can make room under maxBytes that a waiter needs.
      if (this.#waiters.length !== 0) this.#freed()
      else this.#updateAttention()
    })
    this.#maintenance.unref()
  }

  /** Frees every empty arena now, spares included. */
  trim(): void {
    checkPool(this)
    try {
      this.#allocator.trim(0)
    } finally {
      this.#updateAttention()
    }
    if (this.#waiters.length !== 0) this.#freed()
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
      const opts = optionsObject<CloseOptions>(options, ['signal', 'warnAfterMs'])
      signal = opts.signal
      if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal)
      warnAfterMs = wholeNumber(opts.warnAfterMs, 'options.warnAfterMs', 0, 2 ** 31 - 1, CLOSE_WARNING_MS)
    } catch (error) {
      return Promise.reject(error)
    }
    const closing = this.#closing ?? this.#beginClose(warnAfterMs)
    if (signal === undefined) return closing
    const held = () => this.#heldLeases()
    if (signal.aborted) return Promise.reject(closeAborted(signal.reason, held()))
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(closeAborted(signal.reason, held()))
      signal.addEventListener('abort', onAbort, { once: true })
      const settle = () => signal.removeEventListener('abort', onAbort)
      closing.then(() => { settle(); resolve() }, error => { settle(); reject(error) })
    })
  }

  #beginClose(warnAfterMs: number): Promise<void> {
    const started = performance.now()
    // Warns once, whichever comes first: the delay, or the process running
    // out of work with this close still pending (an ESM top-level await of
    // it would otherwise exit with code 13 and say nothing).
    const warnOnce = () => {
      clearTimeout(warning)
      untilExit(warnOnce, false)
      this.#warnClosePending(Math.round(performance.now() - started))
    }
    const closing = this.#closing = new Promise<void>((resolve, reject) => {
      this.#finishClose = error => {
        clearTimeout(warning)
        untilExit(warnOnce, false)
        if (error === undefined) resolve()
        else reject(error)
      }
    })
    const warning = setTimeout(warnOnce, warnAfterMs)
    warning.unref()
    untilExit(warnOnce, true)
    closeHandles(this.handles)
    const closed = new PoolError('RIOPOOL_CLOSED', 'The pool was closed while waiting')
    for (const waiter of this.#waiters.splice(0)) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort)
      waiter.reject(closed)
    }
    if (this.#maintenance) clearImmediate(this.#maintenance)
    this.#maintenance = undefined
    this.#updateAttention()
    this.#tryFinishClose()
    return closing
  }

  #warnClosePending(waitedMs: number): void {
    if (!this.#finishClose) return
    const leases = this.#heldLeases()
    const { requestedBytes } = this.#allocator.outstanding()
    process.emitWarning(
      `BufferPool.close() has waited ${waitedMs} ms for ${leases} lease(s) still held (${requestedBytes} bytes in ${this.#allocator.arenas.count} arena(s)); ` +
      'pool.outstanding() lists them; release them, or pass close({ signal }) to stop waiting',
      { code: 'RIOPOOL_CLOSE_PENDING', detail: `outstanding leases: ${leases}; bytes asked for: ${requestedBytes}` })
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
    if (this.#heldLeases() !== 0) return
    const finish = this.#finishClose
    this.#finishClose = undefined
    try {
      this.#allocator.trim(0)
      finish?.()
    } catch (error) {
      if (finish) finish(error)
      else process.emitWarning(error as Error)
    }
    if (this.#allocator.arenas.count !== 0) quarantinedPools.add(this)
    else quarantinedPools.delete(this)
  }

  /** The leak tracker found a Lease object collected while its slot was still leased. */
  #leaked(record: LeaseRecord): void {
    // Closing may have waited only for this one; settle that before user code runs.
    if (this.#closing) this.#tryFinishClose()
    const report: LeakReport = { ...this.#describe(record.handle), size: record.length }
    const listened = this.listenerCount('leak') !== 0
    if (this.#onLeak) this.#onLeak(report)
    if (listened) this.emit('leak', report)
    if (this.#onLeak || listened) return
    process.emitWarning(
      `A Lease of ${report.length} bytes (handle ${report.handle}, offset ${report.offset}) was garbage-collected ` +
      `${Math.round(report.ageMs ?? 0)} ms after it was leased, without its final release. Its slot stays leased (quarantined); ` +
      "call lease.release() when done, and listen with pool.on('leak') or onLeak to handle these reports",
      { code: 'RIOPOOL_LEAK', detail: report.stack ? `Leased at:\n${report.stack}` : undefined })
  }

  #describe(handle: number): OutstandingLease {
    const H = this.handles
    const record = this.#tracker?.recordOf(handle)
    const described = {
      handle,
      length: H.length(handle),
      capacity: H.capacity(handle),
      offset: H.offset(handle),
      arena: H.arena(handle),
      refCount: H.refCount(handle),
      ageMs: record ? performance.now() - record.leasedAt : null,
      leaked: record?.leaked ?? false,
    }
    const stack = record?.stack
    return stack === undefined ? described : { ...described, stack }
  }

  /**
   * Every live lease, both faces, lowest slot first: what close() waits for.
   * Ages and stacks are known for the leases leak detection tracked.
   */
  outstanding(): OutstandingLease[] {
    checkPool(this)
    return this.#allocator.liveHandles().map(h => this.#describe(h))
  }


  stats(): PoolStats {
    checkPool(this)
    const a = this.#allocator
    const { leases, requestedBytes, leasedBytes } = a.outstanding()
    return {
      arenas: a.arenas.count,
      arenaBytes: a.arenas.bytes,
      leasedBytes,
      requestedBytes,
      outstandingLeases: leases,
      peakArenaBytes: a.arenas.peakBytes,
      waiters: this.#waiters.length,
      leakedLeases: this.#quarantined(),
      classes: a.classStats(),
    }
  }
}
