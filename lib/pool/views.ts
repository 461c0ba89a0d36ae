// Buffers over leased bytes, kept for reuse. Building a Buffer costs about
// as much as Buffer.allocUnsafe(64) whole, and an I/O loop views the slot it
// has just leased, most often the one it released a moment before. So each
// view made is kept in a direct-mapped cache of VIEW_CACHE_SIZE entries,
// indexed by slot, and handed out again for the same memory, start and
// length: a stale entry is only ever missed, never wrong. Its memory is
// bounded whatever the pool's size, and dropped when an arena closes (a view
// keeps its arena's mapping alive) and on trim().
//
// What a user can observe: a view taken from a lease may be the very Buffer
// object a later lease of the same slot and length gets: the same identity,
// and any property set on it (one that redefines `length` excepted: that view
// is dropped). Its bytes are the slot's, as any view held after release
// always saw the next tenant's bytes (docs/safety.md).

/** Entries in a pool's view cache: a power of two. */
export const VIEW_CACHE_SIZE = 4096
const ENTRY_MASK = VIEW_CACHE_SIZE - 1 // module-local: V8 folds it, not an export

// Node's own Buffer class is FastBuffer, a Uint8Array subclass whose
// constructor takes (arrayBuffer, byteOffset, length); Buffer[Symbol.species]
// names it. Buffer.from() adds argument checks the allocator has already met.
type BufferView = new (memory: ArrayBuffer, offset: number, length: number) => Buffer
const species = (Buffer as unknown as { [Symbol.species]?: BufferView })[Symbol.species]
const ArenaBuffer: BufferView = typeof species === 'function' && Buffer.isBuffer(new species(new ArrayBuffer(1), 0, 1))
  ? species
  : function (memory: ArrayBuffer, offset: number, length: number) { return Buffer.from(memory, offset, length) } as unknown as BufferView

// Fields are plain, not #private (a brand check per access on a hot path);
// the package does not export this class.
export class ViewCache {
  // What each entry was built over, recorded here rather than read back from
  // the view: a view's own properties can be shadowed by user code. Made on
  // first use, so a pool used through handles alone pays nothing.
  views: Array<Buffer | undefined> | null = null
  memories: Array<ArrayBuffer | undefined> = []
  starts = new Float64Array(0)
  lengths = new Int32Array(0)

  /** A Buffer over memory[start .. start + length), slot i's bytes: the cached one when it matches. */
  view(memory: ArrayBuffer, start: number, length: number, i: number): Buffer {
    const e = i & ENTRY_MASK
    const views = this.views ?? this.allocate()
    const cached = views[e]
    // cached.length: a view whose length a user redefined (Node's Buffer
    // methods read it) is not handed to the slot's next tenant.
    if (cached !== undefined && this.memories[e] === memory && this.starts[e] === start && this.lengths[e] === length &&
      cached.length === length) return cached
    const made = new ArenaBuffer(memory, start, length)
    views[e] = made
    this.memories[e] = memory
    this.starts[e] = start
    this.lengths[e] = length
    return made
  }

  /** Drops every view (and with them, their hold on arena memory). */
  clear(): void {
    this.views = null
    this.memories = []
  }

  allocate(): Array<Buffer | undefined> {
    this.memories = new Array<ArrayBuffer | undefined>(VIEW_CACHE_SIZE).fill(undefined)
    this.starts = new Float64Array(VIEW_CACHE_SIZE)
    this.lengths = new Int32Array(VIEW_CACHE_SIZE)
    return (this.views = new Array<Buffer | undefined>(VIEW_CACHE_SIZE).fill(undefined))
  }
}
