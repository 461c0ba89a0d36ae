// Buffers over leased bytes, kept for reuse. Building a Buffer costs about
// as much as Buffer.allocUnsafe(64) whole, and an I/O loop views the slot it
// has just leased, most often the one it released a moment before. So each
// view made is kept in a direct-mapped cache of VIEW_CACHE_SIZE entries,
// tagged with its slot index and length, and handed out again for the same
// slot and length. Its memory is bounded whatever the pool's size.
//
// An entry holds while its slot stays where it was placed. A slot moves only
// after its slab gives up its pages (the allocator then calls forget()) or
// its arena closes (clear(), which also lets go of the arena's mapping, held
// by its views); trim() clears too. A view detached by a transfer reads
// length 0 and is replaced. The entry's own length is compared as well as
// the tag's: a view whose `length` a user redefined (Node's Buffer methods
// read it) is not handed to the slot's next tenant.
//
// What a user can observe: a view taken from a lease may be the very Buffer
// object a later lease of the same slot and length gets: the same identity,
// and any property set on it. Its bytes are the slot's, as any view held
// after release always saw the next tenant's bytes (docs/safety.md).

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
  // Per entry: the view, its slot index (-1: none) and its length. Made on
  // first use, so a pool used through handles alone pays nothing.
  views: Array<Buffer | undefined> | null = null
  tags = new Int32Array(0)
  lengths = new Float64Array(0)

  /** The view kept for slot i at `length`, or undefined. */
  kept(i: number, length: number): Buffer | undefined {
    const views = this.views
    if (views === null) return undefined
    const e = i & ENTRY_MASK
    if (this.tags[e] !== i || this.lengths[e] !== length) return undefined
    const view = views[e]!
    return view.length === length ? view : undefined
  }

  /** A new view of slot i's bytes, memory[start .. start + length), kept for reuse. */
  make(memory: ArrayBuffer, start: number, length: number, i: number): Buffer {
    const view = new ArenaBuffer(memory, start, length)
    const e = i & ENTRY_MASK
    const views = this.views ?? this.allocate()
    views[e] = view
    this.tags[e] = i
    this.lengths[e] = length
    return view
  }

  /** Drops the views of slots first .. first + count - 1 (their slab gave up its pages). */
  forget(first: number, count: number): void {
    if (this.views === null) return
    for (let i = first; i < first + count; i++) {
      const e = i & ENTRY_MASK
      if (this.tags[e] === i) {
        this.tags[e] = -1
        this.views[e] = undefined
      }
    }
  }

  /** Drops every view (and with them, their hold on arena memory). */
  clear(): void {
    this.views = null
  }

  allocate(): Array<Buffer | undefined> {
    this.tags = new Int32Array(VIEW_CACHE_SIZE).fill(-1)
    this.lengths = new Float64Array(VIEW_CACHE_SIZE)
    return (this.views = new Array<Buffer | undefined>(VIEW_CACHE_SIZE).fill(undefined))
  }
}
