// The object face of a pool: a thin view over one handle. Lease objects are
// never recycled: a Lease released through its own methods stays released
// whatever becomes of its slot.
import type { Arena } from './arena.js'
import type { Handles } from './handles.js'
import { PoolError } from './errors.js'

export class Lease {
  /** The number behind this lease; see pool.handles. */
  readonly handle: number
  /** The size asked for. */
  readonly length: number
  readonly #handles: Handles
  #released = false
  #buffer: Buffer | undefined

  /** @internal Leases come from BufferPool. */
  constructor(handles: Handles, handle: number, length: number) {
    this.#handles = handles
    this.handle = handle
    this.length = length
  }

  /** Byte offset inside its arena's registration. */
  get offset(): number {
    return this.#handles.offset(this.#liveHandle())
  }

  /** The slot or run reserved (>= length). */
  get capacity(): number {
    return this.#handles.capacity(this.#liveHandle())
  }

  /** Its arena's registration: a RIO_BUFFERID, an io_uring fixed-buffer slot; null when unregistered. */
  get bufferId(): bigint | null {
    return this.#handles.bufferId(this.#liveHandle())
  }

  /** Its first byte's address: arena.address + offset (an io_uring SQE's addr). */
  get address(): bigint {
    return this.#handles.address(this.#liveHandle())
  }

  get arena(): Arena {
    return this.#handles.arena(this.#liveHandle())
  }

  /** Exactly `length` bytes over the arena, zero-copy. Throws RIOPOOL_RELEASED once released. */
  get buffer(): Buffer {
    const h = this.#liveHandle()
    const view = this.#buffer
    // Zero-length: a transfer (a BYOB read) detached the arena's ArrayBuffer.
    if (view !== undefined && view.byteLength === this.length) return view
    return (this.#buffer = this.#handles.buffer(h))
  }

  get refCount(): number {
    if (this.#released) return 0
    const refs = this.#handles.refCount(this.handle)
    if (refs === 0) this.#released = true // released through pool.handles
    return refs
  }

  get released(): boolean {
    return this.refCount === 0
  }

  // retain/release need only this object's own flag: the handle face
  // validates the handle itself, catching a release made through it.
  retain(n = 1): this {
    if (this.#released) throw released()
    this.#handles.retain(this.handle, n)
    return this
  }

  /** Drops n references; true when this call freed the lease. */
  release(n = 1): boolean {
    if (this.#released) throw released()
    const freed = this.#handles.release(this.handle, n)
    if (freed) this.#released = true
    return freed
  }

  toRioBuf(target?: Uint8Array, at = 0): Uint8Array {
    return this.#handles.toRioBuf(this.#liveHandle(), target, at)
  }

  // Also catches a release made through pool.handles, as long as the slot has
  // not been reused 256 times since (the handle guarantee).
  #liveHandle(): number {
    if (this.#released || this.#handles.refCount(this.handle) === 0) {
      this.#released = true
      throw released()
    }
    return this.handle
  }
}

function released(): PoolError {
  return new PoolError('RIOPOOL_RELEASED', 'The lease has been released')
}
