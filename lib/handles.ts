// The zero-allocation face of a pool: a lease is a number (a handle).
// Every method validates the handle: a stale one throws RIOPOOL_RELEASED
// instead of touching a lease that is no longer the caller's.
import type { Allocator } from './allocator.js'
import type { Arena } from './arena.js'
import { MAX_CLASS_SIZE } from './size-classes.js'
import { PoolError, invalidArgType, outOfRange } from './errors.js'
import { rioBufAt, rioBufTarget, writeRioBuf } from './rio-buf.js'

const MAX_CLASSED = MAX_CLASS_SIZE // a module-local constant, which V8 folds

const MAX_REFS = 0x7fffffff

/** What the pool does around the allocator: maxBytes and closing, waiters. */
export interface HandleHost {
  /** Largest lease size: the arena size. */
  readonly maxLeaseSize: number
  exhausted(size: number): PoolError
  /** Called after a free while the host asked for attention. */
  freed(): void
}

// For BufferPool only: assigned in Handles' static block (the package
// exports only its index, so users cannot reach these).
export let closeHandles: (handles: Handles) => void
export let setHandlesAttention: (handles: Handles, on: boolean) => void

export class Handles {
  readonly #allocator: Allocator
  readonly #host: HandleHost
  #closed = false
  // Non-zero while the host wants to hear of frees (waiters, or closing).
  #attention = 0

  /** @internal Made by BufferPool. */
  constructor(allocator: Allocator, host: HandleHost) {
    this.#allocator = allocator
    this.#host = host
  }

  /** A handle for `size` bytes; throws RIOPOOL_EXHAUSTED when there is no room within maxBytes. */
  lease(size: number): number {
    const h = this.tryLease(size)
    if (h < 0) throw this.#host.exhausted(size)
    return h
  }

  /** A handle for `size` bytes, or -1 when there is no room within maxBytes. */
  tryLease(size: number): number {
    if (typeof size === 'number' && (size | 0) === size && size > 0 && size <= MAX_CLASSED && !this.#closed) {
      return this.#allocator.leaseClassed(size)
    }
    return this.#leaseOther(size)
  }

  #leaseOther(size: unknown): number {
    if (this.#closed) throw new PoolError('RIOPOOL_CLOSED', 'The pool is closed')
    checkLeaseSize(size, this.#host.maxLeaseSize)
    return size <= MAX_CLASS_SIZE ? this.#allocator.leaseClassed(size) : this.#allocator.leaseHuge(size)
  }

  retain(h: number, n = 1): void {
    const i = this.#live(h)
    const refs = this.#allocator.slots[2 * i]!
    if (n !== 1) refCountArg(n)
    if (n > MAX_REFS - refs) throw outOfRange('n', `at most ${MAX_REFS - refs} (the reference count would overflow)`, n)
    this.#allocator.slots[2 * i] = refs + n
  }

  /** Drops n references; true when this call freed the lease. */
  release(h: number, n = 1): boolean {
    const i = this.#live(h)
    if (n !== 1) this.#checkRelease(i, n)
    const freed = this.#allocator.releaseSlot(i, n)
    if (this.#attention !== 0 && freed) this.#host.freed()
    return freed
  }

  #checkRelease(i: number, n: number): void {
    refCountArg(n)
    const refs = this.#allocator.slots[2 * i]!
    if (n > refs) throw new PoolError('RIOPOOL_RELEASED', `Cannot release ${n} references: the lease holds ${refs}`)
  }

  /** References held, or 0 when the handle is no longer live. Never throws. */
  refCount(h: number): number {
    const i = this.#allocator.liveSlot(h)
    return i < 0 ? 0 : this.#allocator.slots[2 * i]!
  }

  offset(h: number): number {
    return this.#allocator.offsetOf(this.#live(h))
  }

  length(h: number): number {
    return this.#allocator.lengthOf(this.#live(h))
  }

  capacity(h: number): number {
    return this.#allocator.capacityOf(this.#live(h))
  }

  bufferId(h: number): bigint | null {
    return this.#allocator.arenaRecordOf(this.#live(h)).arena.bufferId
  }

  /** arena.address + offset(h): where the lease starts in memory (an io_uring SQE's addr). */
  address(h: number): bigint {
    const i = this.#live(h)
    return this.#allocator.arenaRecordOf(i).arena.address + BigInt(this.#allocator.offsetOf(i))
  }

  arena(h: number): Arena {
    return this.#allocator.arenaRecordOf(this.#live(h)).arena
  }

  /** A new zero-copy Buffer of exactly length(h) bytes. */
  buffer(h: number): Buffer {
    const i = this.#live(h)
    const allocator = this.#allocator
    const arena = allocator.arenaRecordOf(i).arena.buffer
    return Buffer.from(arena.buffer, arena.byteOffset + allocator.offsetOf(i), allocator.lengthOf(i))
  }

  /** Writes the 16-byte RIO_BUF for this lease at `at` in `target` (a new one when omitted). */
  toRioBuf(h: number, target?: Uint8Array, at = 0): Uint8Array {
    const i = this.#live(h)
    const out = rioBufTarget(target)
    const start = rioBufAt(out, at)
    const allocator = this.#allocator
    const { idLow, idHigh } = allocator.arenaRecordOf(i)
    return writeRioBuf(out, start, idLow, idHigh, allocator.offsetOf(i), allocator.lengthOf(i))
  }

  #live(h: number): number {
    const i = this.#allocator.liveSlot(h)
    if (i < 0) throw notLive(h)
    return i
  }

  static {
    closeHandles = handles => { handles.#closed = true }
    setHandlesAttention = (handles, on) => { handles.#attention = on ? 1 : 0 }
  }
}

function notLive(h: unknown): Error {
  if (typeof h !== 'number') return invalidArgType('handle', 'of type number', h)
  return new PoolError('RIOPOOL_RELEASED', `Handle ${h} is not a live lease (released, or never issued by this pool)`)
}

export function checkLeaseSize(size: unknown, max: number): asserts size is number {
  if (typeof size !== 'number') throw invalidArgType('size', 'of type number', size)
  if (!Number.isSafeInteger(size) || size < 1 || size > max) {
    throw outOfRange('size', `an integer >= 1 && <= ${max} (the arena size)`, size)
  }
}

function refCountArg(n: unknown): void {
  if (typeof n !== 'number') throw invalidArgType('n', 'of type number', n)
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_REFS) throw outOfRange('n', `an integer >= 1 && <= ${MAX_REFS}`, n)
}
