// The object face of a pool: a thin view over one handle. Lease objects are
// never recycled: a Lease released through its own methods stays released
// whatever becomes of its slot.
import type { Arena } from '../arenas/arena.js'
import { PoolError, invalidThis } from '../errors.js'
import { isHandles, newView, releaseHandle, type Handles } from './handles.js'

// Fields are plain, not #private (a brand check per access on the hot path),
// and those marked @internal are not part of the API. They are `declare`d so
// that only the constructor defines them, in one order: one allocation of
// four fields (the fewest that keep length and handle after a release).
export class Lease {
  /** The number behind this lease; see pool.handles. */
  declare readonly handle: number
  /** The size asked for. */
  declare readonly length: number
  /** @internal */
  declare readonly _handles: Handles
  /**
   * @internal The buffer once built; null once released through this object
   * (or seen released): one field for both, one store fewer per lease.
   */
  declare _buffer: Buffer | undefined | null

  /**
   * @internal Leases come from BufferPool. Not refused here (a check per
   * lease): a Lease made by hand over no pool's Handles is refused by each
   * member with ERR_INVALID_THIS, as any foreign receiver is.
   */
  constructor(handles: Handles, handle: number, length: number) {
    this._handles = handles
    this.handle = handle
    this.length = length
    this._buffer = undefined
  }

  /** Byte offset inside its arena's registration. */
  get offset(): number {
    const h = liveHandle(this) // first: a foreign receiver fails there, coded
    return this._handles.offset(h)
  }

  /** The slot or run reserved (>= length). */
  get capacity(): number {
    const h = liveHandle(this)
    return this._handles.capacity(h)
  }

  /** Its arena's registration: a RIO_BUFFERID, an io_uring fixed-buffer slot; null when unregistered. */
  get bufferId(): bigint | null {
    const h = liveHandle(this)
    return this._handles.bufferId(h)
  }

  /** Its first byte's address: arena.address + offset (an io_uring SQE's addr). */
  get address(): bigint {
    const h = liveHandle(this)
    return this._handles.address(h)
  }

  get arena(): Arena {
    const h = liveHandle(this)
    return this._handles.arena(h)
  }

  /**
   * Exactly `length` bytes over the arena, zero-copy; the same Buffer on
   * every read (a new one after a transfer detached it), possibly the one an
   * earlier lease of the same slot had (pool/views.ts). Throws
   * RIOPOOL_RELEASED once released.
   */
  get buffer(): Buffer {
    // liveHandle() written out, so a read costs a liveness check and a load.
    try {
      const view = this._buffer
      if (view !== null) {
        const i = this._handles.allocator.liveSlot(this.handle)
        if (i >= 0) {
          // Zero-length: a transfer (a BYOB read) detached the arena's
          // ArrayBuffer. (length, not byteLength: on a Buffer, V8 inlines
          // only the first; the second is a call, ten times the cost.)
          if (view !== undefined && view.length === this.length) return view
          // The slot's kept view, if any, looked up with the length this
          // Lease knows (a live lease's own); else made (views.ts).
          return (this._buffer = this._handles.views.kept(i, this.length) ?? newView(this._handles, i))
        }
        this._buffer = null // released through pool.handles
      }
    } catch (error) {
      throw receiverError(this, error)
    }
    throw receiverError(this, released())
  }

  get refCount(): number {
    return refCountOf(this)
  }

  get released(): boolean {
    return refCountOf(this) === 0
  }

  // retain/release need only this object's own flag: the handle face
  // validates the handle itself, catching a release made through it.
  // No receiver check: a foreign one fails reading its fields, and the
  // catch re-codes that, at no cost to a call that succeeds.
  retain(n = 1): this {
    try {
      if (this._buffer === null) throw released()
      this._handles.retain(this.handle, n)
      return this
    } catch (error) {
      throw receiverError(this, error)
    }
  }

  /** Drops n references; true when this call freed the lease. */
  release(n = 1): boolean {
    try {
      if (this._buffer === null) throw released()
      const freed = releaseHandle(this._handles, this.handle, n)
      if (freed) this._buffer = null
      return freed
    } catch (error) {
      throw receiverError(this, error)
    }
  }

  /** Writes this lease's 16-byte RIO_BUF into a Uint8Array (`at` in bytes) or a Uint32Array (`at` in words); a new Uint8Array when omitted. */
  toRioBuf(target?: Uint8Array, at?: number): Uint8Array
  toRioBuf<T extends Uint32Array>(target: T, at?: number): T
  toRioBuf(target?: Uint8Array | Uint32Array, at?: number): Uint8Array | Uint32Array {
    const h = liveHandle(this)
    return this._handles.toRioBuf(h, target as Uint8Array, at)
  }
}

/** The Lease over a handle just leased; a pool with leak detection watches it. */
export function leaseObject(handles: Handles, h: number, size: number): Lease {
  const lease = new Lease(handles, h, size)
  // slowLease is set for a closing pool too, which leases nothing.
  return handles.slowLease === 0 || handles.instruments === null ? lease : handles.instruments.watch(lease)
}

// Also catches a release made through pool.handles, as long as the slot has
// not been reused 256 times since (the handle guarantee).
function liveHandle(lease: Lease): number {
  if (refCountOf(lease) === 0) throw receiverError(lease, released())
  return lease.handle
}

function refCountOf(lease: Lease): number {
  try {
    if (lease._buffer === null) return 0
    const refs = lease._handles.refCount(lease.handle)
    if (refs === 0) lease._buffer = null // released through pool.handles
    return refs
  } catch (error) {
    throw receiverError(lease, error)
  }
}

/** What a member throws: the error itself, or ERR_INVALID_THIS when its receiver is not a pool's Lease. */
function receiverError(receiver: unknown, error: unknown): unknown {
  let ours = false
  try {
    ours = receiver instanceof Lease && isHandles(receiver._handles)
  } catch {
    // A revoked proxy: not a Lease.
  }
  return ours ? error : invalidThis('Lease')
}

function released(): PoolError {
  return new PoolError('RIOPOOL_RELEASED', 'The lease has been released')
}
