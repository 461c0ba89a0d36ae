// BufferPool: the public face. Validates options, owns the allocator, queues
// acquire() callers, trims idle arenas off the hot path, and closes in order:
// refuse new leases, wait for the last release, deregister, free.
import { Allocator, type ClassStats } from './allocator.js'
import {
  arenaSize,
  optionalBoolean,
  optionsObject,
  registrationOption,
  requireRio,
  type RegistrationOption,
} from './arena.js'
import { PoolError, invalidArgType, outOfRange } from './errors.js'
import { Handles, checkLeaseSize, closeHandles, setHandlesAttention } from './handles.js'
import { Lease } from './lease.js'
import { MAX_CLASS_SIZE } from './size-classes.js'

export interface BufferPoolOptions {
  /** Bytes per arena, rounded as Arena rounds them; at least 64 KiB. Default 4 MiB. */
  arenaSize?: number
  /** Growth budget: arena bytes across all arenas. Default 1 GiB; at most 32 GiB. */
  maxBytes?: number
  /** Empty arenas kept registered for reuse. Default 1. */
  spareArenas?: number
  registration?: RegistrationOption
  lock?: boolean
  largePages?: boolean
  /** Bound on pending acquire() calls. Default unbounded. */
  maxWaiters?: number
}

export interface PoolStats {
  arenas: number
  arenaBytes: number
  leasedBytes: number
  requestedBytes: number
  outstandingLeases: number
  peakArenaBytes: number
  waiters: number
  classes: ClassStats[]
}

const DEFAULT_ARENA_SIZE = 4 * 1024 * 1024
const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
// The documented bound (32 GiB, less 16 bytes); slot indices (MAX_SLOTS) bound a pool too.
const MAX_MAX_BYTES = (2 ** 31 - 1) * 16

export interface CloseOptions {
  /** Aborting it rejects this close()'s wait; the pool stays closing. */
  signal?: AbortSignal
  /** Warn (code RIOPOOL_CLOSE_PENDING) when leases are still held this long after close(). Default 10,000. */
  warnAfterMs?: number
}

const CLOSE_WARNING_MS = 10_000

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

function wholeNumber(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!(value >= min && value <= max) || (value !== Infinity && !Number.isSafeInteger(value))) {
    throw outOfRange(name, `an integer >= ${min} && <= ${max}`, value)
  }
  return value
}

export class BufferPool {
  /** The zero-allocation face of this pool: leases as numbers. */
  // declare: set once by the constructor, so V8 keeps the field's type (see Handles).
  declare readonly handles: Handles
  readonly #allocator: Allocator
  readonly #arenaSize: number
  readonly #maxBytes: number
  readonly #spareArenas: number
  readonly #maxWaiters: number
  readonly #waiters: Waiter[] = []
  #maintenance: NodeJS.Immediate | undefined
  #closing: Promise<void> | undefined
  #finishClose: ((error?: unknown) => void) | undefined

  constructor(options?: BufferPoolOptions) {
    const opts = optionsObject<BufferPoolOptions>(options, ['arenaSize', 'maxBytes', 'spareArenas', 'registration', 'lock', 'largePages', 'maxWaiters'])
    this.#arenaSize = arenaSize(opts.arenaSize === undefined ? DEFAULT_ARENA_SIZE : opts.arenaSize, 'options.arenaSize')
    // Every slab (at most MAX_CLASS_SIZE bytes) must fit in one arena.
    if (this.#arenaSize < MAX_CLASS_SIZE) throw outOfRange('options.arenaSize', `>= ${MAX_CLASS_SIZE} (the largest slab)`, opts.arenaSize)
    this.#maxBytes = wholeNumber(opts.maxBytes, 'options.maxBytes', this.#arenaSize, MAX_MAX_BYTES, Math.max(DEFAULT_MAX_BYTES, this.#arenaSize))
    this.#spareArenas = wholeNumber(opts.spareArenas, 'options.spareArenas', 0, 2 ** 31 - 1, 1)
    this.#maxWaiters = wholeNumber(opts.maxWaiters, 'options.maxWaiters', 0, Infinity, Infinity)
    const registration = registrationOption(opts.registration)
    const lock = optionalBoolean(opts.lock, 'options.lock')
    const largePages = optionalBoolean(opts.largePages, 'options.largePages')
    if (registration === 'required') requireRio()

    this.#allocator = new Allocator({
      arenaSize: this.#arenaSize,
      maxBytes: this.#maxBytes,
      arenaOptions: { registration, lock, largePages },
      onGrow: () => this.#updateAttention(),
    })
    this.handles = new Handles(this.#allocator, {
      maxLeaseSize: this.#arenaSize,
      exhausted: size => this.#exhausted(size),
      freed: () => this.#released(),
    })
  }

  /** A lease of `size` bytes; throws RIOPOOL_EXHAUSTED when there is no room within maxBytes. */
  lease(size: number): Lease {
    return new Lease(this.handles, this.handles.lease(size), size)
  }

  /** A lease of `size` bytes, or null when there is no room within maxBytes. */
  tryLease(size: number): Lease | null {
    const h = this.handles.tryLease(size)
    return h < 0 ? null : new Lease(this.handles, h, size)
  }

  /** A lease of `size` bytes, waiting (first come, first served) for room. */
  acquire(size: number, options?: { signal?: AbortSignal }): Promise<Lease> {
    try {
      const { signal } = optionsObject<{ signal?: AbortSignal }>(options, ['signal'])
      if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal)
      if (this.#closing) throw new PoolError('RIOPOOL_CLOSED', 'The pool is closed')
      checkLeaseSize(size, this.#arenaSize)
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (this.#waiters.length === 0) {
        const h = this.handles.tryLease(size)
        if (h >= 0) return Promise.resolve(new Lease(this.handles, h, size))
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
      this.#dequeue(waiter).resolve(new Lease(this.handles, h, waiter.size))
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
    try {
      this.#allocator.trim(0)
    } finally {
      this.#updateAttention()
    }
    if (this.#waiters.length !== 0) this.#freed()
  }

  get closed(): boolean {
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
      const opts = optionsObject<CloseOptions>(options, ['signal', 'warnAfterMs'])
      signal = opts.signal
      if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal)
      warnAfterMs = wholeNumber(opts.warnAfterMs, 'options.warnAfterMs', 0, 2 ** 31 - 1, CLOSE_WARNING_MS)
    } catch (error) {
      return Promise.reject(error)
    }
    const closing = this.#closing ?? this.#beginClose(warnAfterMs)
    if (signal === undefined) return closing
    const held = () => this.#allocator.outstanding().leases
    if (signal.aborted) return Promise.reject(closeAborted(signal.reason, held()))
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(closeAborted(signal.reason, held()))
      signal.addEventListener('abort', onAbort, { once: true })
      const settle = () => signal.removeEventListener('abort', onAbort)
      closing.then(() => { settle(); resolve() }, error => { settle(); reject(error) })
    })
  }

  #beginClose(warnAfterMs: number): Promise<void> {
    const closing = this.#closing = new Promise<void>((resolve, reject) => {
      this.#finishClose = error => {
        clearTimeout(warning)
        if (error === undefined) resolve()
        else reject(error)
      }
    })
    const warning = setTimeout(() => this.#warnClosePending(warnAfterMs), warnAfterMs)
    warning.unref()
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
    const { leases, requestedBytes } = this.#allocator.outstanding()
    process.emitWarning(
      `BufferPool.close() has waited ${waitedMs} ms for ${leases} lease(s) still held (${requestedBytes} bytes in ${this.#allocator.arenas.count} arena(s)); ` +
      'release them, or pass close({ signal }) to stop waiting',
      { code: 'RIOPOOL_CLOSE_PENDING', detail: `outstanding leases: ${leases}; bytes asked for: ${requestedBytes}` })
  }

  #tryFinishClose(): void {
    if (!this.#finishClose || this.#allocator.liveLeases() !== 0) return
    const finish = this.#finishClose
    this.#finishClose = undefined
    try {
      this.#allocator.trim(0)
      finish()
    } catch (error) {
      finish(error)
    }
  }


  stats(): PoolStats {
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
      classes: a.classStats(),
    }
  }
}
