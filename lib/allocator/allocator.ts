// The allocator: arenas carved into slabs of equal slots, leases as numbers.
//
// Notation. An arena is split into 4 KiB pages (PageMap). A slab is a run of
// pages holding `slotsPerSlab` slots of one size class; a lease above the
// largest class takes a run of pages of its own (a one-slot "huge" slab).
// Every slot has a global slot index i; indices come in granules of 8, and a
// slab owns a whole number of consecutive granules, for good.
//
// Invariants.
// - A bitmap bit (one global bitmap, bit i for slot i) is 1 exactly when the
//   slot is free in its slab. A slot whose bit is 0 is either leased
//   (slots[2i] = refCount > 0) or waiting in its class's cache (refCount 0).
//   Cached slots are free to the caller and reserved to the allocator; they
//   return to the bitmap on overflow and when the pool trims. The caches sit
//   in `slots` itself, below the first real slot index (FIRST_GRANULE), as
//   pseudo-slots whose reference count stays 0: the hot path reads one array.
// - slots[2i + 1] holds the slot's generation, size class and, while leased,
//   the requested length (layout.ts gives the bits). A handle is the slot
//   index and the generation at lease time; freeing a slot bumps its
//   generation, so a stale handle misses until the slot has been reused 256
//   times.
// - granuleArena[i >> 3] is the arena of slot i's slab. Nothing is counted
//   per lease: leases per arena (arena.refs, trim) are derived from the slab
//   records and caches, and bytes and peaks by stats() from the slot words.
// - A page belongs to at most one slab, and a slab to one arena: leases never
//   cross an arena. A slab record that gives up its pages keeps its slot
//   indices and waits on its class's retired list, so a later slab of the
//   same class reuses them and their generations carry over.
// - An arena may be deregistered and freed only when it holds no lease; that
//   happens in trim(), never on the lease/release path. The pool looks for
//   such arenas off the hot path (see pool.ts).
// - All state lives in typed arrays (slots, bitmap, slab records with their
//   list links, caches), so it could later move to a SharedArrayBuffer.
//
// Hot path. leaseClassed() (or leaseCached(), the same without the refill's
// call) and releaseOne() are kept small enough for V8 to inline both into a
// caller's loop (its budget is about 920 bytes of bytecode in all), with no
// helper calls of their own but the rare ones; every rare branch is a named
// method of its own, most of them in slabs.ts (the state, slab management,
// reclaim and trim). Fields are plain (documented @internal) rather than
// #private, which costs brand checks.
import type { ArenaMemory, ArenaRecord } from './arena-set.js'
import * as layout from './layout.js'
import { Word } from './layout.js'
import { Slabs } from './slabs.js'
import { CLASS_BY_UNITS, PAGE_SIZE, SIZE_CLASSES } from './size-classes.js'

export type { AllocatorOptions } from './slabs.js'
export type { ArenaFactory, ArenaMemory, ArenaRecord } from './arena-set.js'
export { currentMemory } from './arena-set.js'
export { MAX_SLOTS } from './layout.js'

// Module-local copies: V8 folds these, not another module's exports. The hot
// path's constants come from the const enum Word, written in as numbers.
const { NONE, SLAB_STRIDE, BASE, PAGES, FREE, FIRST_GRANULE } = layout
const { cacheAt } = layout
const classByUnits = CLASS_BY_UNITS

export interface ClassStats {
  size: number
  slabs: number
  slots: number
  freeSlots: number
}

export interface Outstanding {
  leases: number
  /** Sum of lengths asked for. */
  requestedBytes: number
  /** Sum of capacities (slot or page run). */
  leasedBytes: number
}

export class Allocator<A extends ArenaMemory = ArenaMemory> extends Slabs<A> {
  // ---- hot path ---------------------------------------------------------

  /**
   * A handle for `size` bytes (1..MAX_CLASS_SIZE, an integer) from its
   * class's cache, or -1 when the cache is empty (leaseClassed refills it).
   * No call of its own: callers' loops inline it whole.
   */
  leaseCached(size: number): number {
    const c = classByUnits[(size + 15) >> 4]!
    const slots = this.slots
    const at = c * Word.CACHE_STRIDE + 1 // cacheAt(c), written out: a call less to inline
    // `| 0`: int32 arithmetic, which V8 compiles without overflow checks.
    const cached = (slots[at]! - 1) | 0
    if (cached < 0) return -1
    slots[at] = cached
    // Issued here, not in a helper: one function less against V8's inlining budget.
    const i = slots[(at + 2 + 2 * cached) | 0]!
    // Its words at 2i and 2i + 1, written as shifts: no overflow checks either.
    const word = slots[(i << 1) | 1]!
    slots[i << 1] = 1
    slots[(i << 1) | 1] = word | size
    return i * 256 + (word >>> Word.GEN_SHIFT)
  }

  /**
   * A handle for `size` bytes (1..MAX_CLASS_SIZE, an integer), or -1 when
   * there is no room: leaseCached() with the refill's call in place. The
   * handle face's pair measured about 5 % faster over this than over
   * leaseCached() with the refill out of line; the Lease face's, the other
   * way round (handles.ts), so both stay.
   */
  leaseClassed(size: number): number {
    const c = classByUnits[(size + 15) >> 4]!
    const slots = this.slots
    const at = c * Word.CACHE_STRIDE + 1 // cacheAt(c), written out: a call less to inline
    // `| 0`: int32 arithmetic, which V8 compiles without overflow checks.
    const cached = (slots[at]! - 1) | 0
    if (cached < 0) return this.leaseUncached(c, size)
    slots[at] = cached
    const i = slots[(at + 2 + 2 * cached) | 0]!
    const word = slots[(i << 1) | 1]!
    slots[i << 1] = 1
    slots[(i << 1) | 1] = word | size
    return i * 256 + (word >>> Word.GEN_SHIFT)
  }

  /**
   * Frees the slot behind h if h is a number naming a live lease that holds
   * exactly one reference; false, changing nothing, otherwise.
   */
  releaseOne(h: number): boolean {
    const i = h >>> 8
    const first = i << 1 // the slot's first word, computed once: fewer bytecodes to inline
    const slots = this.slots
    const word = slots[first + 1]!
    if (slots[first] !== 1 || word >>> Word.GEN_SHIFT !== (h & 255) || h >>> 0 !== h) return false
    slots[first] = 0
    slots[first + 1] = (word + (1 << Word.GEN_SHIFT)) & Word.KEEP_MASK
    const c = (word >>> Word.CLASS_SHIFT) & Word.CLASS_MASK
    const at = c * Word.CACHE_STRIDE + 1 // cacheAt(c)
    const cached = slots[at]!
    if (cached !== Word.CACHE_SLOTS) {
      slots[(at + 2 + 2 * cached) | 0] = i
      slots[at] = (cached + 1) | 0
    } else {
      this.overflow(c, i)
    }
    return true
  }

  /**
   * Leases up to n handles for `size` bytes (1..MAX_CLASS_SIZE, an integer)
   * into out[0 .. n), straight from its class's cache, refilling it as it
   * empties; returns how many (fewer only when there is no room). If a new
   * arena throws, it frees what it leased and rethrows.
   */
  leaseBatch(size: number, out: Uint32Array, n: number): number {
    const c = classByUnits[(size + 15) >> 4]!
    const at = c * Word.CACHE_STRIDE + 1
    // What this call leased, kept apart from `out`: a refill that opens an
    // arena runs a Registrar, which may write `out`; a failure must give
    // back exactly these.
    const leased = this.batchScratch.length >= n ? this.batchScratch : (this.batchScratch = new Uint32Array(n))
    let k = 0
    try {
      while (k < n) {
        const slots = this.slots // read again after a refill: a new slab can grow it
        let cached = slots[at]!
        const take = Math.min(cached, n - k)
        for (const end = k + take; k < end; k++) {
          cached--
          const i = slots[at + 2 + 2 * cached]!
          const word = slots[(i << 1) | 1]!
          slots[i << 1] = 1
          slots[(i << 1) | 1] = word | size
          const h = i * 256 + (word >>> Word.GEN_SHIFT)
          out[k] = h
          leased[k] = h
        }
        slots[at] = cached
        if (k === n) break
        const h = this.leaseUncached(c, size) // refills the cache
        if (h < 0) break
        out[k] = h
        leased[k++] = h
      }
    } catch (error) {
      // The OS refused a new arena: give back what this call leased.
      for (let j = 0; j < k; j++) this.releaseOne(leased[j]!)
      throw error
    }
    return k
  }

  /**
   * Drops one reference from each of handles[0 .. n), freeing those left
   * with none. All or nothing: if one is not a live handle, or is listed more
   * often than it has references, returns its index having changed nothing;
   * -1 when done.
   */
  releaseBatch(handles: ArrayLike<number>, n: number): number {
    const slots = this.slots
    for (let k = 0; k < n; k++) {
      const h = handles[k]!
      // typeof first: >>> would call valueOf() on an object.
      if (typeof h !== 'number' || h >>> 0 !== h || !(slots[2 * (h >>> 8)]! > 0) || slots[2 * (h >>> 8) + 1]! >>> Word.GEN_SHIFT !== (h & 255)) {
        for (let j = 0; j < k; j++) slots[2 * (handles[j]! >>> 8)]++
        return k
      }
      slots[2 * (h >>> 8)]--
    }
    // A handle listed twice frees its slot once: the free bumps its generation.
    // releaseOne()'s free, written out: these handles were checked above.
    for (let k = 0; k < n; k++) {
      const h = handles[k]!
      const i = h >>> 8
      const word = slots[2 * i + 1]!
      if (slots[2 * i] !== 0 || word >>> Word.GEN_SHIFT !== (h & 255)) continue
      slots[2 * i + 1] = (word + (1 << Word.GEN_SHIFT)) & ~Word.LENGTH_MASK
      const c = (word >>> Word.CLASS_SHIFT) & Word.CLASS_MASK
      const at = c * Word.CACHE_STRIDE + 1
      const cached = slots[at]!
      if (cached !== Word.CACHE_SLOTS) {
        slots[(at + 2 + 2 * cached) | 0] = i
        slots[at] = (cached + 1) | 0
      } else {
        this.overflow(c, i)
      }
    }
    return -1
  }

  /** The slot index behind a live handle, or -1. */
  liveSlot(handle: number): number {
    // typeof first: >>> would call valueOf() on an object and throw on a bigint.
    if (typeof handle !== 'number' || handle >>> 0 !== handle) return -1
    const i = handle >>> 8
    const slots = this.slots
    if (!(slots[2 * i]! > 0) || slots[2 * i + 1]! >>> Word.GEN_SHIFT !== (handle & 255)) return -1
    return i
  }

  /** Drops n references from a live slot; frees it at zero. Precondition: 0 < n <= refCount. */
  releaseSlot(i: number, n: number): boolean {
    const refs = this.slots[2 * i]! - n
    if (refs === 0) {
      // The last references go at once: free it as the last single reference would.
      this.slots[2 * i] = 1
      return this.releaseOne(i * 256 + (this.slots[2 * i + 1]! >>> Word.GEN_SHIFT))
    }
    this.slots[2 * i] = refs
    return false
  }

  // ---- slow paths: kept out of the hot functions so V8 never inlines them ----

  /** A handle for a page run above the largest class, or -1 when there is no room. */
  leaseHuge(size: number): number {
    const pages = Math.ceil(size / PAGE_SIZE)
    const s = this.newSlabRecord(Word.HUGE, pages, 1, 1)
    if (s < 0) return -1
    const i = this.slabs[s * SLAB_STRIDE + BASE]!
    const word = this.slots[2 * i + 1]!
    this.slots[2 * i] = 1
    this.slots[2 * i + 1] = word | (size - (pages - 1) * PAGE_SIZE) // what its last page holds
    return i * 256 + (word >>> Word.GEN_SHIFT)
  }

  leaseUncached(c: number, size: number): number {
    let s = this.classCurrent[c]!
    if (s === NONE || this.slabs[s * SLAB_STRIDE + FREE] === 0) {
      s = this.nextSlab(c)
      if (s < 0) return -1
    }
    // Fill half the cache (and one to lease now) so the next misses are a
    // while away, leaving room for releases. Taken lowest first and pushed in
    // reverse, so lowest addresses leave first.
    const n = Math.min(Word.CACHE_SLOTS / 2 + 1, this.slabs[s * SLAB_STRIDE + FREE]!)
    const at = cacheAt(c)
    for (let k = n - 1; k >= 0; k--) this.slots[at + 2 + 2 * k] = this.takeSlot(s, c)
    this.slots[at] = n
    return this.leaseCached(size)
  }

  // ---- reading a live slot (callers validated it) -------------------------

  /**
   * If h names a live lease, writes its registration id (low word, high
   * word), offset and length at words[at .. at + 4) (RIO_BUF's layout) and
   * returns true; false, writing nothing, otherwise (a huge lease included:
   * describeSlot). One function, one read of the slot's word: an I/O loop
   * inlines it beside the pair.
   */
  describeLive(h: number, words: Uint32Array, at: number): boolean {
    // typeof first: >>> would call valueOf() on an object.
    if (typeof h !== 'number' || h >>> 0 !== h) return false
    const i = h >>> 8
    const first = i << 1
    const slots = this.slots
    const word = slots[first + 1]!
    const c = (word >>> Word.CLASS_SHIFT) & Word.CLASS_MASK
    if (!(slots[first]! > 0) || word >>> Word.GEN_SHIFT !== (h & 255) || c === Word.HUGE) return false
    const g = i >> Word.GRANULE_SHIFT
    const a = this.granuleArena[g]! << 1
    const ids = this.arenas.ids
    words[at] = ids[a]!
    words[at + 1] = ids[a + 1]!
    words[at + 2] = this.granuleOffset[g]! + (i & 7) * this.classSize[c]!
    words[at + 3] = word & Word.LENGTH_MASK
    return true
  }

  /** describeLive() for a slot known live, huge ones included. */
  describeSlot(i: number, words: Uint32Array, at: number): void {
    const a = this.granuleArena[i >> Word.GRANULE_SHIFT]! << 1
    words[at] = this.arenas.ids[a]!
    words[at + 1] = this.arenas.ids[a + 1]!
    words[at + 2] = this.offsetOf(i)
    words[at + 3] = this.lengthOf(i)
  }

  arenaRecordOf(i: number): ArenaRecord<A> {
    return this.arenas.records[this.granuleArena[i >> Word.GRANULE_SHIFT]!]!
  }

  offsetOf(i: number): number {
    // A huge slab's one slot starts its granule: i & 7 is 0 there.
    const c = (this.slots[2 * i + 1]! >>> Word.CLASS_SHIFT) & Word.CLASS_MASK
    return this.granuleOffset[i >> Word.GRANULE_SHIFT]! + (i & 7) * this.classSize[c]!
  }

  lengthOf(i: number): number {
    const word = this.slots[2 * i + 1]!
    if (((word >>> Word.CLASS_SHIFT) & Word.CLASS_MASK) !== Word.HUGE) return word & Word.LENGTH_MASK
    return (this.slabs[this.granuleSlab[i >> Word.GRANULE_SHIFT]! * SLAB_STRIDE + PAGES]! - 1) * PAGE_SIZE + (word & Word.LENGTH_MASK)
  }

  capacityOf(i: number): number {
    const c = (this.slots[2 * i + 1]! >>> Word.CLASS_SHIFT) & Word.CLASS_MASK
    if (c !== Word.HUGE) return this.classSize[c]!
    return this.slabs[this.granuleSlab[i >> Word.GRANULE_SHIFT]! * SLAB_STRIDE + PAGES]! * PAGE_SIZE
  }

  // ---- figures ----------------------------------------------------------

  /** Live leases and their bytes: a scan of the slot words, for stats(). */
  outstanding(): Outstanding {
    let leases = 0
    let requestedBytes = 0
    let leasedBytes = 0
    const slots = this.slots
    const end = this.nextGranule << Word.GRANULE_SHIFT
    for (let i = FIRST_GRANULE << Word.GRANULE_SHIFT; i < end; i++) {
      if (slots[2 * i]! > 0) {
        leases++
        requestedBytes += this.lengthOf(i)
        leasedBytes += this.capacityOf(i)
      }
    }
    return { leases, requestedBytes, leasedBytes }
  }

  /** Handles of every live lease, lowest slot first: a scan of the slot words, for pool.outstanding(). */
  liveHandles(): number[] {
    const handles: number[] = []
    const slots = this.slots
    const end = this.nextGranule << Word.GRANULE_SHIFT
    for (let i = 0; i < end; i++) {
      if (slots[2 * i]! > 0) handles.push(i * 256 + (slots[2 * i + 1]! >>> Word.GEN_SHIFT))
    }
    return handles
  }

  /** Bytes of the allocator's own arrays: slot words, bitmap, slab records, page maps, caches. */
  bookkeepingBytes(): number {
    return this.slots.byteLength + this.freeBits.byteLength + this.granuleSlab.byteLength + this.granuleArena.byteLength +
      this.granuleOffset.byteLength + this.slabs.byteLength + this.arenas.bookkeepingBytes
  }

  classStats(): ClassStats[] {
    return SIZE_CLASSES.map(({ size }, c) => ({
      size,
      slabs: this.classSlabs[c]!,
      slots: this.classSlabs[c]! * this.classSlots[c]!,
      freeSlots: this.classFree[c]! + this.slots[cacheAt(c)]!,
    }))
  }
}
