// The object face of a pool: a thin view over one handle. Lease objects are
// never recycled: a Lease released through its own methods stays released
// whatever becomes of its slot.
import type { Arena } from './arena.js'
import type { Handles } from './handles.js'
import { PoolError } from './errors.js'

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

  /** @internal Leases come from BufferPool. */
  constructor(handles: Handles, handle: number, length: number) {
    this._handles = handles
    this.handle = handle
    this.length = length
    this._buffer = undefined
  }

  /** Byte offset inside its arena's registration. */
  get offset(): number {
    return this._handles.offset(liveHandle(this))
  }

  /** The slot or run reserved (>= length). */
  get capacity(): number {
    return this._handles.capacity(liveHandle(this))
  }

  /** Its arena's registration: a RIO_BUFFERID, an io_uring fixed-buffer slot; null when unregistered. */
  get bufferId(): bigint | null {
    return this._handles.bufferId(liveHandle(this))
  }

  /** Its first byte's address: arena.address + offset (an io_uring SQE's addr). */
  get address(): bigint {
    return this._handles.address(liveHandle(this))
  }

  get arena(): Arena {
    return this._handles.arena(liveHandle(this))
  }

  /** Exactly `length` bytes over the arena, zero-copy; built once (again after a transfer detached it). Throws RIOPOOL_RELEASED once released. */
  get buffer(): Buffer {
    const h = liveHandle(this)
    const view = this._buffer
    // Zero-length: a transfer (a BYOB read) detached the arena's ArrayBuffer.
    if (view != null && view.byteLength === this.length) return view
    return (this._buffer = this._handles.buffer(h))
  }

  get refCount(): number {
    if (this._buffer === null) return 0
    const refs = this._handles.refCount(this.handle)
    if (refs === 0) this._buffer = null // released through pool.handles
    return refs
  }

  get released(): boolean {
    return this.refCount === 0
  }

  // retain/release need only this object's own flag: the handle face
  // validates the handle itself, catching a release made through it.
  retain(n = 1): this {
    if (this._buffer === null) throw released()
    this._handles.retain(this.handle, n)
    return this
  }

  /** Drops n references; true when this call freed the lease. */
  release(n = 1): boolean {
    if (this._buffer === null) throw released()
    const freed = this._handles.release(this.handle, n)
    if (freed) this._buffer = null
    return freed
  }

  toRioBuf(target?: Uint8Array, at = 0): Uint8Array {
    return this._handles.toRioBuf(liveHandle(this), target, at)
  }
}

// Also catches a release made through pool.handles, as long as the slot has
// not been reused 256 times since (the handle guarantee).
function liveHandle(lease: Lease): number {
  if (lease._buffer === null || lease._handles.refCount(lease.handle) === 0) {
    lease._buffer = null
    throw released()
  }
  return lease.handle
}

function released(): PoolError {
  return new PoolError('RIOPOOL_RELEASED', 'The lease has been released')
}
