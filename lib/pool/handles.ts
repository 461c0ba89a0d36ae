// The zero-allocation face of a pool: a lease is a number (a handle).
// Every method validates the handle: a stale one throws RIOPOOL_RELEASED
// instead of touching a lease that is no longer the caller's.
import type { Allocator } from '../allocator/allocator.js'
// From its own module: a re-export compiles to a getter, a call on every use.
import { currentMemory } from '../allocator/arena-set.js'
import { Word } from '../allocator/layout.js'
import { MAX_CLASS_SIZE } from '../allocator/size-classes.js'
import type { Arena } from '../arenas/arena.js'
import { PoolError, illegalConstructor, invalidArgType, invalidState, invalidThis, outOfRange } from '../errors.js'
import type { Instruments } from './instruments.js'
import { ViewCache } from './views.js'
import { types } from 'node:util'
import { RioBuf, lengthOf, rioBufTarget, typedArrayKind, writeRioBuf, writeRioBufBytes, type RioBufTarget } from './rio-buf.js'


const MAX_REFS = 0x7fffffff
// %TypedArray%.prototype.buffer: a subclass's own getter is user code.
const typedArrayBuffer = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'buffer')!.get!

/** What the pool does around the allocator: maxBytes and closing, waiters. */
export interface HandleHost {
  /** Largest lease size: the arena size. */
  readonly maxLeaseSize: number
  exhausted(size: number): PoolError
  /** Called after a free while the host asked for attention. */
  freed(): void
}

// Only makeHandles passes it: users cannot make a Handles of their own.
const constructing = Symbol('Handles')
// The Handles pools made, for telling a foreign receiver apart on error paths (never on the hot path).
const madeByPools = new WeakSet<object>()

/** For BufferPool only (the package exports only its index, so users cannot reach these). */
export function makeHandles(allocator: Allocator<Arena>, host: HandleHost, instruments: Instruments | null): Handles {
  return new Handles(allocator, host, instruments, constructing)
}

export function isHandles(value: unknown): value is Handles {
  return madeByPools.has(value as object)
}

export function closeHandles(handles: Handles): void {
  handles.closed = 1
  updateFlags(handles)
}

export function setHandlesAttention(handles: Handles, on: boolean): void {
  handles.attention = on ? 1 : 0
  updateFlags(handles)
}

/**
 * Runs fn, a call into user code made while the allocator is mid-change (a
 * Registrar's register() or deregister()): any lease, retain or release
 * made from inside it is refused with ERR_INVALID_STATE, changing nothing.
 */
export function inRegistrarCallback<T>(handles: Handles, fn: () => T): T {
  handles.inCallback++
  updateFlags(handles)
  try {
    return fn()
  } finally {
    handles.inCallback--
    updateFlags(handles)
  }
}

/** Refuses a call made from inside a Registrar callback (see inRegistrarCallback). */
export function checkNotInCallback(handles: Handles): void {
  if (handles.inCallback !== 0) {
    throw invalidState("A Registrar's register() or deregister() called back into its pool, which is mid-change: " +
      'lease, release, trim and close the pool outside those callbacks')
  }
}

function updateFlags(handles: Handles): void {
  const always = handles.instruments !== null || handles.inCallback !== 0
  handles.slowLease = always || handles.closed !== 0 ? 1 : 0
  handles.slowRelease = always || handles.attention !== 0 ? 1 : 0
}

// The fields below are plain, not #private (a brand check per access on the
// hot path), and marked @internal: they are not part of the API. They are
// `declare`d, set only by the constructor: a class field starts as undefined,
// and V8 then forgets the type the field holds and checks its map on every use.
//
// The hot path reads one flag per call, slowLease or slowRelease; any other
// state (closing, a pool's checks, a host listening for frees, a Registrar
// callback under way) sets the flag, and the out-of-line path does the rest.
// So a pool's checks (instruments) hold however lease or release is reached:
// through a face's method, the prototype's, a subclass's super call or a
// detached method.
export class Handles {
  /** @internal */
  declare readonly allocator: Allocator<Arena>
  /** @internal */
  declare readonly host: HandleHost
  /** @internal The pool's checks (leak tracking, poison, zero), or null. */
  declare readonly instruments: Instruments | null
  /** @internal 1 once the pool is closing. */
  declare closed: number
  /** @internal Non-zero while the host wants to hear of frees (waiters, closing, maintenance). */
  declare attention: number
  /** @internal Registrar callbacks under way (see inRegistrarCallback). */
  declare inCallback: number
  /** @internal Non-zero: every lease takes the out-of-line path (closing, instruments, a callback). */
  declare slowLease: number
  /** @internal Non-zero: every release takes the out-of-line path (attention, instruments, a callback). */
  declare slowRelease: number
  /** @internal Views handed out, for reuse (views.ts). */
  declare readonly views: ViewCache

  /** @internal Made by BufferPool. */
  constructor(allocator: Allocator<Arena>, host: HandleHost, instruments: Instruments | null, token?: symbol) {
    if (token !== constructing) throw illegalConstructor('Handles')
    this.allocator = allocator
    this.host = host
    this.instruments = instruments
    this.closed = 0
    this.attention = 0
    this.inCallback = 0
    this.slowLease = 0
    this.slowRelease = 0
    this.views = new ViewCache()
    updateFlags(this)
    madeByPools.add(this)
  }

  // lease, tryLease, release and refCount check no receiver: a foreign one
  // fails reading its fields, and the catch re-codes that, at no cost to a
  // call that succeeds. The other methods fail inside live().

  /** A handle for `size` bytes; throws RIOPOOL_EXHAUSTED when there is no room within maxBytes. */
  lease(size: number): number {
    try {
      return leaseHandle(this, size)
    } catch (error) {
      throw receiverError(this, error)
    }
  }

  /** A handle for `size` bytes, or -1 when there is no room within maxBytes. */
  tryLease(size: number): number {
    try {
      return leaseOrNone(this, size)
    } catch (error) {
      throw receiverError(this, error)
    }
  }

  retain(h: number, n = 1): void {
    const i = live(this, h)
    checkNotInCallback(this)
    const refs = this.allocator.slots[2 * i]!
    if (n !== 1) refCountArg(n)
    if (n > MAX_REFS - refs) throw outOfRange('n', `at most ${MAX_REFS - refs} (the reference count would overflow)`, n)
    this.allocator.slots[2 * i] = refs + n
  }

  /** Drops n references; true when this call freed the lease. */
  release(h: number, n = 1): boolean {
    try {
      return releaseHandle(this, h, n)
    } catch (error) {
      throw receiverError(this, error)
    }
  }

  /** References held, or 0 when the handle is no longer live. Throws only for a foreign receiver. */
  refCount(h: number): number {
    try {
      const i = this.allocator.liveSlot(h)
      return i < 0 ? 0 : this.allocator.slots[2 * i]!
    } catch (error) {
      throw receiverError(this, error)
    }
  }

  // live() first: a foreign receiver fails there, coded, before this.allocator is read.
  offset(h: number): number {
    const i = live(this, h)
    return this.allocator.offsetOf(i)
  }

  length(h: number): number {
    const i = live(this, h)
    return this.allocator.lengthOf(i)
  }

  capacity(h: number): number {
    const i = live(this, h)
    return this.allocator.capacityOf(i)
  }

  bufferId(h: number): bigint | null {
    const i = live(this, h)
    return this.allocator.arenaRecordOf(i).arena.bufferId
  }

  /** arena.address + offset(h): where the lease starts in memory (an io_uring SQE's addr). */
  address(h: number): bigint {
    const i = live(this, h)
    return this.allocator.arenaRecordOf(i).arena.address + BigInt(this.allocator.offsetOf(i))
  }

  arena(h: number): Arena {
    const i = live(this, h)
    return this.allocator.arenaRecordOf(i).arena
  }

  /**
   * A zero-copy Buffer of exactly length(h) bytes. It may be the Buffer an
   * earlier lease of the same slot and length was given (views.ts).
   */
  buffer(h: number): Buffer {
    return viewOf(this, live(this, h))
  }

  /**
   * Leases up to `count` handles of `size` bytes into out[0 .. count) and
   * returns how many it leased: fewer only when the pool has no room (never
   * throwing for that). `out` is a Uint32Array (filled in place, allocating
   * nothing) or an Array. Bad arguments are refused before anything is leased.
   */
  leaseMany(size: number, out: Uint32Array | number[], count?: number): number {
    if (!isHandles(this)) throw invalidThis('Handles')
    const n = batchCount(out, count, 'out')
    checkNotInCallback(this)
    if (this.closed !== 0) throw new PoolError('RIOPOOL_CLOSED', 'The pool is closed')
    checkLeaseSize(size, this.host.maxLeaseSize)
    if (typedArrayKind(out) === 'Uint32Array') {
      // No checks to run per lease: straight from the class's cache.
      if (this.slowLease === 0 && size <= Word.MAX_CLASSED) return this.allocator.leaseBatch(size, out as Uint32Array, n)
      return leaseInto(this, size, out as Uint32Array, n)
    }
    // An Array's stores may run user code (an element setter): lease into a
    // copy first, so a store that throws gives every lease of the call back.
    const leased = new Uint32Array(n)
    const got = leaseInto(this, size, leased, n)
    try {
      for (let k = 0; k < got; k++) (out as number[])[k] = leased[k]!
    } catch (error) {
      // Only those still live: a setter may have released one it was given.
      for (let k = 0; k < got; k++) if (this.allocator.liveSlot(leased[k]!) >= 0) releaseHandle(this, leased[k]!, 1)
      throw error
    }
    return got
  }

  /**
   * Drops one reference from each of handles[0 .. count) (a handle listed
   * twice drops two); count defaults to handles.length. If any is not
   * live, or listed more often than it has references, throws
   * RIOPOOL_RELEASED and changes nothing.
   */
  releaseMany(handles: Uint32Array | number[], count?: number): void {
    if (!isHandles(this)) throw invalidThis('Handles')
    const n = batchCount(handles, count, 'handles')
    const batch = batchOf(handles, n)
    checkNotInCallback(this)
    if (this.slowRelease === 0) {
      // No one to tell of frees and no checks to run: the allocator drops them all or none.
      const bad = this.allocator.releaseBatch(batch, n)
      if (bad >= 0) throw notLive(batch[bad])
      return
    }
    // A free here may run user code (a Registrar, when a waiter served by
    // it opens an arena): the handles checked are a copy it cannot write.
    const checked = batch === handles ? copyOf(batch, n) : batch
    const slots = this.allocator.slots
    // Every reference taken off first, so a handle listed more often than it
    // has references fails its check; all put back if any check fails.
    let k = 0
    try {
      for (; k < n; k++) slots[2 * live(this, checked[k]!)]--
    } catch (error) {
      for (let j = 0; j < k; j++) slots[2 * (checked[j]! >>> 8)]++
      throw error
    }
    for (let j = 0; j < n; j++) slots[2 * (checked[j]! >>> 8)]++
    for (let j = 0; j < n; j++) releaseHandle(this, checked[j]!, 1)
  }

  /**
   * Writes the 16-byte RIO_BUF for this lease at `at` in `target`: a
   * Uint8Array (`at` in bytes) or a Uint32Array (`at` in words); a new
   * Uint8Array when omitted. Returns the target.
   */
  toRioBuf(h: number, target?: Uint8Array, at?: number): Uint8Array
  toRioBuf<T extends Uint32Array>(h: number, target: T, at?: number): T
  toRioBuf(h: number, target?: RioBufTarget, at?: number): RioBufTarget {
    // Inline: a Uint32Array with room at a whole `at`, and a live handle.
    // `target.length` may run a subclass's getter (user code, which may
    // release h), so it is read before any pool state; one that lies can only
    // send stores past the array's end, which a typed array ignores.
    if (typedArrayKind(target) === 'Uint32Array' && typeof at === 'number' && at >>> 0 === at && at <= target!.length - RioBuf.WORDS) {
      try {
        if (this.allocator.describeLive(h, target as Uint32Array, at)) return target!
      } catch (error) {
        throw receiverError(this, error)
      }
    }
    return toRioBufOther(this, h, target, at)
  }

  /**
   * Writes the RIO_BUFs of handles[0 .. count) one after another from `at`
   * in `target` (as toRioBuf() does for one): the array a batch of
   * RIOReceive or RIOSend calls walks. Every handle is checked before
   * anything is written. Returns the target.
   */
  toRioBufs(handles: Uint32Array | number[], count?: number, target?: Uint8Array, at?: number): Uint8Array
  toRioBufs<T extends Uint32Array>(handles: Uint32Array | number[], count: number | undefined, target: T, at?: number): T
  toRioBufs(handles: Uint32Array | number[], count?: number, target?: RioBufTarget, at = 0): RioBufTarget {
    const n = batchCount(handles, count, 'handles')
    const batch = batchOf(handles, n)
    for (let k = 0; k < n; k++) live(this, batch[k]!)
    const out = rioBufTarget(target, at, n)
    const words = typedArrayKind(out) === 'Uint32Array'
    const step = words ? RioBuf.WORDS : RioBuf.SIZE
    const allocator = this.allocator
    for (let k = 0; k < n; k++) writeRioBuf(allocator, allocator.liveSlot(batch[k]!), out, words, at + k * step)
    return out
  }
}

/** toRioBuf() for anything its inline path does not take: a Uint8Array, a new target, a refusal. */
function toRioBufOther(handles: Handles, h: number, target: unknown, at: unknown): RioBufTarget {
  // A Uint8Array with room at a whole `at` and a live handle, checked as
  // toRioBuf() checks a Uint32Array.
  let written = false
  try {
    written = typedArrayKind(target) === 'Uint8Array' && typeof at === 'number' && at >>> 0 === at &&
      at <= (target as Uint8Array).length - RioBuf.SIZE && writeRioBufBytes(handles.allocator, h, target as Uint8Array, at)
  } catch {
    // A foreign receiver: live() below refuses it, coded.
  }
  if (written) return target as Uint8Array
  const out = rioBufTarget(target, at, 1)
  const i = live(handles, h)
  writeRioBuf(handles.allocator, i, out, typedArrayKind(out) === 'Uint32Array', (at ?? 0) as number)
  return out
}

/** A batch's count (items.length when undefined): an integer in [0, items.length], items a Uint32Array or an Array (no proxy). */
function batchCount(items: unknown, count: unknown, name: string): number {
  const typed = typedArrayKind(items) === 'Uint32Array'
  if (!typed && (types.isProxy(items) || !Array.isArray(items))) throw invalidArgType(name, 'an instance of Uint32Array or Array', items)
  const length = typed ? lengthOf(items as Uint32Array) : (items as unknown[]).length
  if (count === undefined) return length
  if (typeof count !== 'number') throw invalidArgType('count', 'of type number', count)
  if (!Number.isInteger(count) || count < 0 || count > length) throw outOfRange('count', `an integer >= 0 && <= ${length} (${name}.length)`, count)
  return count
}

/** Leases up to n handles into out[0 .. n); how many it got. Arguments checked. */
function leaseInto(handles: Handles, size: number, out: Uint32Array, n: number): number {
  // What this call leased, apart from `out`, which a Registrar run by a
  // refill may write (this is the checked path: an allocation is fine).
  const leased = new Uint32Array(n)
  let k = 0
  try {
    for (; k < n; k++) {
      const h = leaseOrNone(handles, size)
      if (h < 0) return k
      out[k] = h
      leased[k] = h
    }
  } catch (error) {
    // The OS refused a new arena: give back what this call leased.
    for (let j = 0; j < k; j++) releaseHandle(handles, leased[j]!, 1)
    throw error
  }
  return n
}

/**
 * The first n handles of a batch (n checked by batchCount), each read once: a Uint32Array as it is (reading it
 * runs no user code), an Array copied (an element getter runs only here, so
 * nothing it does later can change what was checked), and so is a
 * Uint32Array over a SharedArrayBuffer (another thread may write it between
 * the check of a handle and its release). The Uint32Array form allocates nothing.
 */
function batchOf(handles: unknown, n: number): ArrayLike<number> {
  if (typedArrayKind(handles) === 'Uint32Array') {
    return types.isSharedArrayBuffer(typedArrayBuffer.call(handles)) ? copyOf(handles as Uint32Array, n) : handles as Uint32Array
  }
  // Grown as elements are found to be numbers: a sparse Array's length
  // (up to 2^32 - 1) allocates nothing before its first hole is refused.
  let copy = new Float64Array(Math.min(n, 1024))
  for (let k = 0; k < n; k++) {
    const h: unknown = (handles as unknown[])[k]
    if (typeof h !== 'number') throw invalidArgType(`handles[${k}]`, 'of type number', h)
    if (k === copy.length) {
      const grown = new Float64Array(Math.min(n, 2 * k))
      grown.set(copy)
      copy = grown
    }
    copy[k] = h
  }
  return copy
}

/** The first n elements of a Uint32Array (reading one runs no user code). */
function copyOf(handles: ArrayLike<number>, n: number): Float64Array {
  const copy = new Float64Array(n)
  for (let k = 0; k < n; k++) copy[k] = handles[k]!
  return copy
}

/** The view of live slot i (views.ts). */
export function viewOf(handles: Handles, i: number): Buffer {
  return handles.views.kept(i, handles.allocator.lengthOf(i)) ?? newView(handles, i)
}

/** A new view of live slot i, kept for reuse (what viewOf() makes on a miss). */
export function newView(handles: Handles, i: number): Buffer {
  const allocator = handles.allocator
  const record = allocator.arenaRecordOf(i)
  return handles.views.make(currentMemory(record), record.memoryOffset + allocator.offsetOf(i), allocator.lengthOf(i), i)
}

/** The slot index behind h; throws (RIOPOOL_RELEASED, or a TypeError for a non-number) when it is not live. */
function live(handles: Handles, h: number): number {
  let i: number
  try {
    i = handles.allocator.liveSlot(h)
  } catch (error) {
    throw receiverError(handles, error)
  }
  if (i < 0) throw isHandles(handles) ? notLive(h) : invalidThis('Handles')
  return i
}

/** What a method throws: the error itself, or ERR_INVALID_THIS when its receiver is no pool's Handles. */
function receiverError(receiver: unknown, error: unknown): unknown {
  return isHandles(receiver) ? error : invalidThis('Handles')
}

// The bodies of lease() and release(), also what Lease and BufferPool call, so
// a face's call has one try/catch (its own), not one per layer. Functions, not
// methods: another object's tryLease or release is never called.
export function leaseHandle(handles: Handles, size: number): number {
  const h = leaseOrNone(handles, size)
  if (h < 0) throw handles.host.exhausted(size)
  return h
}

/**
 * leaseHandle() for the Lease face: only the lease from a class's cache
 * inline, any other (a refill, a huge lease, a check, a bad size) out of line
 * through leaseOther(). Its loop, which also builds a Lease, then keeps
 * V8's inlining budget for the path it runs: the Lease pair measured about
 * 1.22x the box this way against 1.3x through leaseHandle(), where the
 * handle pair is faster (allocator.ts, leaseClassed).
 */
export function leaseFromCache(handles: Handles, size: number): number {
  if (typeof size === 'number' && (size | 0) === size && size > 0 && size <= Word.MAX_CLASSED && handles.slowLease === 0) {
    const h = handles.allocator.leaseCached(size)
    if (h >= 0) return h
  }
  return leaseOrThrow(handles, size)
}

export function releaseHandle(handles: Handles, h: number, n: number): boolean {
  if (n === 1 && typeof h === 'number' && handles.slowRelease === 0 && handles.allocator.releaseOne(h)) return true
  return releaseOther(handles, h, n)
}

export function leaseOrNone(handles: Handles, size: number): number {
  if (typeof size === 'number' && (size | 0) === size && size > 0 && size <= Word.MAX_CLASSED && handles.slowLease === 0) {
    return handles.allocator.leaseClassed(size)
  }
  return leaseOther(handles, size)
}

// Rare paths of lease() and release(), out of line so the hot methods stay small.
function leaseOrThrow(handles: Handles, size: number): number {
  const h = leaseOther(handles, size)
  if (h < 0) throw handles.host.exhausted(size)
  return h
}

function leaseOther(handles: Handles, size: unknown): number {
  if (!isHandles(handles)) throw invalidThis('Handles')
  checkNotInCallback(handles)
  if (handles.closed !== 0) throw new PoolError('RIOPOOL_CLOSED', 'The pool is closed')
  checkLeaseSize(size, handles.host.maxLeaseSize)
  const allocator = handles.allocator
  const h = size <= MAX_CLASS_SIZE ? allocator.leaseClassed(size) : allocator.leaseHuge(size)
  if (h >= 0 && handles.instruments !== null) handles.instruments.leased(allocator, h, size)
  return h
}

/**
 * Any release the hot path does not take (another n, a lease still shared,
 * a bad handle, a host listening, instruments on): validates, then drops n.
 */
function releaseOther(handles: Handles, h: number, n: number): boolean {
  const allocator = handles.allocator
  const i = live(handles, h)
  checkNotInCallback(handles)
  const refs = allocator.slots[2 * i]!
  if (n !== 1) {
    refCountArg(n)
    if (n > refs) throw new PoolError('RIOPOOL_RELEASED', `Cannot release ${n} references: the lease holds ${refs}`)
  }
  const instruments = handles.instruments
  // Filled while still live (its length is still known), and only by the release that frees it: that one cannot then fail.
  if (instruments !== null && n === refs) instruments.beforeFree(allocator, i)
  const freed = allocator.releaseSlot(i, n)
  if (freed) {
    if (instruments !== null) instruments.freed(h)
    if (handles.attention !== 0) handles.host.freed()
  }
  return freed
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
