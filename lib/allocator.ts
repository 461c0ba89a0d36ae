// The allocator: arenas carved into slabs of equal slots, leases as numbers.
//
// Notation. An arena is split into 4 KiB pages (PageMap). A slab is a run of
// pages holding `slotsPerSlab` slots of one size class; a lease above the
// largest class takes a run of pages of its own (a one-slot "huge" slab).
// Every slot has a global slot index i; indices come in granules of 8, and a
// slab owns a whole number of consecutive granules.
//
// Invariants.
// - A bitmap bit (one global bitmap, bit i for slot i) is 1 exactly when the
//   slot is free in its slab. A slot whose bit is 0 is either leased
//   (slots[2i] = refCount > 0) or waiting in its class's cache (refCount 0). Cached slots are free to the caller and
//   reserved to the allocator; they return to the bitmap on overflow and when
//   the pool trims.
// - slots[2i + 1] holds the slot's generation in its top 8 bits, its size
//   class in bits 17-22 and, while leased, the requested length in its low 17
//   (huge leases keep their length in the slab record). A handle is i * 256 +
//   the generation at lease time; freeing a slot bumps its generation, so a
//   stale handle misses until the slot has been reused 256 times.
// - A page belongs to at most one slab, and a slab to one arena: leases never
//   cross an arena. A slab's index range, once given up, is reused only by a
//   slab of the same class, so generations carry over.
// - arena.refs counts the leases inside it. An arena may be deregistered and
//   freed only when refs is 0; that happens in trim(), never on the
//   lease/release path, which at most schedules it.
import type { ArenaOptions } from './arena.js'
import { ArenaSet, type ArenaRecord } from './arena-set.js'
import { CLASS_BY_UNITS, PAGE_SHIFT, PAGE_SIZE, SIZE_CLASSES, UNIT_SHIFT } from './size-classes.js'

const CLASS_COUNT = SIZE_CLASSES.length
/** Class id of page runs above the largest class. */
const HUGE = CLASS_COUNT
const CACHE_SLOTS = 64
const GRANULE_SHIFT = 3
const GEN_SHIFT = 24
const CLASS_SHIFT = 17
const CLASS_MASK = 63
const LENGTH_MASK = (1 << CLASS_SHIFT) - 1
// A page's worth of the 16-byte units leased bytes are counted in.
const PAGE_UNITS_SHIFT = PAGE_SHIFT - UNIT_SHIFT
const NONE = -1
// Module-local copies: V8 folds these, not another module's exports.
const classByUnits = CLASS_BY_UNITS
const UNIT_SHIFT_BITS = UNIT_SHIFT

// Slab record fields.
const SLAB_STRIDE = 8
const BASE = 0 // first slot index
const CLASS = 1 // size class, HUGE, or NONE when the id is unused
const ARENA = 2
const PAGE = 3 // first page in the arena
const PAGES = 4
const FREE = 5 // 1 bits in the bitmap
const HINT = 6 // no bitmap word below this one has a 1 bit
const IN_PARTIAL = 7 // 1 while listed in its class's partial slabs

/** Slot indices stop at 2^24 so that a handle stays below 2^32 (and a V8 small integer below 2^23 slots). */
export const MAX_SLOTS = 1 << 24

export interface AllocatorOptions {
  arenaSize: number
  maxBytes: number
  arenaOptions: ArenaOptions
  /** Called (at most once until the next trim) when an arena's last lease goes. */
  onArenaIdle: () => void
}

export interface ClassStats {
  size: number
  slabs: number
  slots: number
  freeSlots: number
}

function growInt32(array: Int32Array<ArrayBuffer>, minLength: number, fill: number): Int32Array<ArrayBuffer> {
  // By a quarter at a time: growth is rare (a new slab), slack is bookkeeping.
  let length = Math.max(array.length, 16)
  while (length < minLength) length = Math.ceil(length * 1.25)
  if (length === array.length) return array
  const grown = new Int32Array(length).fill(fill)
  grown.set(array)
  return grown
}

export class Allocator {
  // Per slot, two words: refCount, then generation | class | length (see above).
  slots = new Int32Array(0)
  // Bit i is 1 while slot i is free in its slab (classed slabs only).
  #freeBits = new Uint32Array(0)
  // Per granule of 8 slot indices: the slab owning it, or NONE.
  granuleSlab = new Int32Array(0)
  #nextGranule = 0

  // Per slab id s, SLAB_STRIDE words from s * SLAB_STRIDE (the fields below):
  // one record shares a cache line, so a release reads class and arena at once.
  slabs = new Int32Array(0)
  hugeLength: number[] = []
  #slabIds = 0
  readonly #freeSlabIds: number[] = []

  // Per class (HUGE included where it makes sense).
  readonly classSize = new Int32Array(CLASS_COUNT + 1)
  readonly #classUnits = new Int32Array(CLASS_COUNT + 1)
  readonly #classSlots = new Int32Array(CLASS_COUNT)
  readonly #classGranules = new Int32Array(CLASS_COUNT)
  readonly #classPages = new Int32Array(CLASS_COUNT)
  readonly #classCurrent = new Int32Array(CLASS_COUNT).fill(NONE)
  readonly #classSlabs = new Int32Array(CLASS_COUNT + 1)
  readonly #classFree = new Int32Array(CLASS_COUNT)
  readonly #partial: number[][] = []
  readonly #freeRanges: number[][] = []
  // Per class, CACHE_SLOTS pairs (slot index, its arena): leasing a cached
  // slot needs no slab lookup.
  readonly #cache = new Int32Array(CLASS_COUNT * CACHE_SLOTS * 2)
  // HUGE's count is pinned at CACHE_SLOTS: a huge release always takes the
  // (out-of-line) overflow path, keeping the hot release small enough to inline.
  readonly #cacheCount = new Int32Array(CLASS_COUNT + 1)

  readonly #arenas: ArenaSet

  // [leased units, peak leased units], units of 16 bytes: int32 arithmetic on the hot path.
  readonly #counters = new Int32Array(2)

  #idleSignalled = false
  readonly #options: AllocatorOptions

  constructor(options: AllocatorOptions) {
    this.#options = options
    this.#arenas = new ArenaSet(options.arenaSize, options.maxBytes, options.arenaOptions)
    SIZE_CLASSES.forEach((sizeClass, c) => {
      this.classSize[c] = sizeClass.size
      this.#classUnits[c] = sizeClass.size >> UNIT_SHIFT
      this.#classSlots[c] = sizeClass.slotsPerSlab
      this.#classGranules[c] = Math.ceil(sizeClass.slotsPerSlab / (1 << GRANULE_SHIFT))
      this.#classPages[c] = sizeClass.pagesPerSlab
      this.#partial.push([])
      this.#freeRanges.push([])
    })
    this.#freeRanges.push([])
    this.#cacheCount[HUGE] = CACHE_SLOTS
  }

  // ---- hot path ---------------------------------------------------------

  /** A handle for `size` bytes (1..MAX_CLASS_SIZE, an integer), or -1 when there is no room. */
  leaseClassed(size: number): number {
    const c = classByUnits[(size + 15) >> UNIT_SHIFT_BITS]!
    const cached = this.#cacheCount[c]!
    if (cached === 0) return this.#leaseUncached(c, size)
    const at = 2 * (c * CACHE_SLOTS + cached - 1)
    this.#cacheCount[c] = cached - 1
    return this.#issue(this.#cache[at]!, this.#cache[at + 1]!, this.#classUnits[c]!, size)
  }

  #issue(i: number, a: number, units: number, length: number): number {
    const slots = this.slots
    const word = slots[2 * i + 1]!
    slots[2 * i] = 1
    slots[2 * i + 1] = word | length
    const counters = this.#counters
    const leased = counters[0]! + units
    counters[0] = leased
    if (leased > counters[1]!) counters[1] = leased
    this.#arenas.leases[a]!++
    return i * 256 + (word >>> GEN_SHIFT)
  }

  /** The slot index behind a live handle, or -1. */
  liveSlot(handle: number): number {
    // typeof first: >>> would call valueOf() on an object and throw on a bigint.
    if (typeof handle !== 'number' || handle >>> 0 !== handle) return -1
    const i = handle >>> 8
    const slots = this.slots
    if (!(slots[2 * i]! > 0) || slots[2 * i + 1]! >>> GEN_SHIFT !== (handle & 255)) return -1
    return i
  }

  /** Drops n references from a live slot; frees it at zero. Precondition: 0 < n <= refCount. */
  releaseSlot(i: number, n: number): boolean {
    const slots = this.slots
    const refs = slots[2 * i]! - n
    if (refs !== 0) {
      slots[2 * i] = refs
      return false
    }
    const word = slots[2 * i + 1]!
    slots[2 * i] = 0
    slots[2 * i + 1] = (word + (1 << GEN_SHIFT)) & ~LENGTH_MASK
    const c = (word >>> CLASS_SHIFT) & CLASS_MASK
    const a = this.slabs[this.granuleSlab[i >> GRANULE_SHIFT]! * SLAB_STRIDE + ARENA]!
    this.#counters[0] -= this.#classUnits[c]!
    const cached = this.#cacheCount[c]!
    if (cached !== CACHE_SLOTS) {
      const at = 2 * (c * CACHE_SLOTS + cached)
      this.#cache[at] = i
      this.#cache[at + 1] = a
      this.#cacheCount[c] = cached + 1
    } else {
      this.#overflow(c, i, a)
    }
    if (--this.#arenas.leases[a]! === 0) this.#arenaIdle()
    return true
  }

  // ---- slow paths: kept out of the hot functions so V8 never inlines them ----

  #arenaIdle(): void {
    if (this.#idleSignalled) return
    this.#idleSignalled = true
    this.#options.onArenaIdle()
  }

  /** A handle for a page run above the largest class, or -1 when there is no room. */
  leaseHuge(size: number): number {
    const pages = Math.ceil(size / PAGE_SIZE)
    const s = this.#newSlabRecord(HUGE, pages, 1, 1)
    if (s < 0) return -1
    this.hugeLength[s] = size
    return this.#issue(this.slabs[s * SLAB_STRIDE + BASE]!, this.#arenas.placedArena, pages << PAGE_UNITS_SHIFT, 0)
  }

  /** A full cache, or a huge lease (whose count is always "full"). */
  #overflow(c: number, i: number, a: number): void {
    if (c !== HUGE) {
      this.#spill(c, i, a)
      return
    }
    const s = this.granuleSlab[i >> GRANULE_SHIFT]!
    this.#counters[0] -= this.slabs[s * SLAB_STRIDE + PAGES]! << PAGE_UNITS_SHIFT
    this.#retireSlab(s)
  }

  #leaseUncached(c: number, size: number): number {
    let s = this.#classCurrent[c]!
    if (s === NONE || this.slabs[s * SLAB_STRIDE + FREE] === 0) {
      s = this.#nextSlab(c)
      if (s < 0) return -1
    }
    const a = this.slabs[s * SLAB_STRIDE + ARENA]!
    const first = this.#takeSlot(s, c)
    // Fill half the cache so the next misses are a while away; leave room for releases.
    // Taken lowest first and pushed in reverse, so lowest addresses leave first.
    const n = Math.min(CACHE_SLOTS / 2, this.slabs[s * SLAB_STRIDE + FREE]!)
    for (let k = n - 1; k >= 0; k--) {
      const at = 2 * (c * CACHE_SLOTS + k)
      this.#cache[at] = this.#takeSlot(s, c)
      this.#cache[at + 1] = a
    }
    this.#cacheCount[c] = n
    return this.#issue(first, a, this.#classUnits[c]!, size)
  }

  #nextSlab(c: number): number {
    const partial = this.#partial[c]!
    const slabs = this.slabs
    while (partial.length !== 0) {
      const s = partial.pop()!
      slabs[s * SLAB_STRIDE + IN_PARTIAL] = 0
      if (slabs[s * SLAB_STRIDE + FREE]! > 0) return (this.#classCurrent[c] = s)
    }
    const s = this.#newSlab(c)
    if (s >= 0) this.#classCurrent[c] = s
    return s
  }

  /** Precondition: slab s has a free slot. */
  #takeSlot(s: number, c: number): number {
    const record = s * SLAB_STRIDE
    const slabs = this.slabs
    const bits = this.#freeBits
    const first = slabs[record + BASE]!
    const end = first + this.#classSlots[c]!
    // Words at either end of the range are shared with neighbouring slabs.
    const lowMask = -1 << (first & 31)
    const highMask = (end & 31) === 0 ? -1 : (1 << (end & 31)) - 1
    const firstWord = first >> 5
    const lastWord = (end - 1) >> 5
    for (let w = slabs[record + HINT]!; ; w++) {
      let word = bits[w]!
      if (w === firstWord) word &= lowMask
      if (w === lastWord) word &= highMask
      if (word === 0) continue
      const bit = 31 - Math.clz32(word & -word)
      bits[w] = bits[w]! & ~(1 << bit)
      slabs[record + HINT] = w
      slabs[record + FREE]--
      this.#classFree[c]--
      return (w << 5) + bit
    }
  }

  /** Cache full: half of it, and the newcomer, go back to their slabs' bitmaps. */
  #spill(c: number, i: number, a: number): void {
    const base = c * CACHE_SLOTS
    const keep = CACHE_SLOTS / 2
    for (let k = keep; k < CACHE_SLOTS; k++) this.#returnSlot(this.#cache[2 * (base + k)]!, c)
    this.#cache[2 * (base + keep)] = i
    this.#cache[2 * (base + keep) + 1] = a
    this.#cacheCount[c] = keep + 1
  }

  #returnSlot(i: number, c: number): void {
    const s = this.granuleSlab[i >> GRANULE_SHIFT]!
    const record = s * SLAB_STRIDE
    const slabs = this.slabs
    const w = i >> 5
    this.#freeBits[w]! |= 1 << (i & 31)
    if (w < slabs[record + HINT]!) slabs[record + HINT] = w
    const free = ++slabs[record + FREE]!
    this.#classFree[c]++
    if (s === this.#classCurrent[c]) return
    if (free === this.#classSlots[c]) {
      this.#retireSlab(s)
    } else if (slabs[record + IN_PARTIAL] === 0) {
      slabs[record + IN_PARTIAL] = 1
      this.#partial[c]!.push(s)
    }
  }

  #newSlab(c: number): number {
    const slots = this.#classSlots[c]!
    const s = this.#newSlabRecord(c, this.#classPages[c]!, this.#classGranules[c]!, slots)
    if (s < 0) return -1
    const first = this.slabs[s * SLAB_STRIDE + BASE]!
    this.#markFree(first, slots, true)
    this.slabs[s * SLAB_STRIDE + HINT] = first >> 5
    this.slabs[s * SLAB_STRIDE + FREE] = slots
    this.#classFree[c] += slots
    return s
  }

  /**
   * A slab of class c (or HUGE): its pages placed, its slot indices taken
   * (a range given up by the same class when there is one) and stamped with
   * the class. -1 when there is no room or no index left.
   */
  #newSlabRecord(c: number, pages: number, granules: number, slots: number): number {
    if (!this.#place(pages)) return -1
    const { placedArena, placedPage } = this.#arenas
    const granule = this.#freeRanges[c]!.pop() ?? this.#bumpGranules(granules)
    if (granule < 0) {
      this.#arenas.give(placedArena, placedPage, pages)
      return -1
    }
    const s = this.#freeSlabIds.pop() ?? this.#growSlabIds()
    const record = s * SLAB_STRIDE
    const slabs = this.slabs
    const first = granule << GRANULE_SHIFT
    slabs[record + BASE] = first
    slabs[record + CLASS] = c
    slabs[record + ARENA] = placedArena
    slabs[record + PAGE] = placedPage
    slabs[record + PAGES] = pages
    slabs[record + FREE] = 0
    slabs[record + HINT] = 0
    slabs[record + IN_PARTIAL] = 0
    this.granuleSlab.fill(s, granule, granule + granules)
    // Fresh indices learn their class; reused ones keep it, and their generations.
    for (let i = first; i < first + slots; i++) {
      this.slots[2 * i + 1] = (this.slots[2 * i + 1]! & ~(CLASS_MASK << CLASS_SHIFT)) | (c << CLASS_SHIFT)
    }
    this.#classSlabs[c]++
    return s
  }

  #retireSlab(s: number): void {
    const record = s * SLAB_STRIDE
    const slabs = this.slabs
    const c = slabs[record + CLASS]!
    const granule = slabs[record + BASE]! >> GRANULE_SHIFT
    if (c !== HUGE) {
      if (slabs[record + IN_PARTIAL] === 1) {
        const partial = this.#partial[c]!
        partial.splice(partial.lastIndexOf(s), 1)
      }
      if (this.#classCurrent[c] === s) this.#classCurrent[c] = NONE
      this.#classFree[c] -= slabs[record + FREE]!
      this.#markFree(slabs[record + BASE]!, this.#classSlots[c]!, false)
      this.granuleSlab.fill(NONE, granule, granule + this.#classGranules[c]!)
    } else {
      this.granuleSlab[granule] = NONE
    }
    this.#arenas.give(slabs[record + ARENA]!, slabs[record + PAGE]!, slabs[record + PAGES]!)
    this.#freeRanges[c]!.push(granule)
    this.#classSlabs[c]--
    slabs[record + CLASS] = NONE
    this.#freeSlabIds.push(s)
  }

  #markFree(first: number, count: number, free: boolean): void {
    const bits = this.#freeBits
    for (let i = first; i < first + count; i++) {
      if (free) bits[i >> 5]! |= 1 << (i & 31)
      else bits[i >> 5]! &= ~(1 << (i & 31))
    }
  }

  #growSlabIds(): number {
    const s = this.#slabIds++
    if ((s + 1) * SLAB_STRIDE > this.slabs.length) this.slabs = growInt32(this.slabs, (s + 1) * SLAB_STRIDE, NONE)
    return s
  }

  /** First granule of n fresh ones, or -1 when slot indices have run out. */
  #bumpGranules(n: number): number {
    const granule = this.#nextGranule
    const end = (granule + n) << GRANULE_SHIFT
    if (end > MAX_SLOTS) return -1
    this.#nextGranule = granule + n
    if (end * 2 > this.slots.length) {
      this.slots = growInt32(this.slots, end * 2, 0)
      const bits = new Uint32Array(Math.ceil(this.slots.length / 64))
      bits.set(this.#freeBits)
      this.#freeBits = bits
    }
    if (granule + n > this.granuleSlab.length) this.granuleSlab = growInt32(this.granuleSlab, granule + n, NONE)
    return granule
  }

  /**
   * Finds n free pages in the arenas; failing that, after giving back what
   * caches and wholly free slabs hold; failing that, in a new arena within
   * maxBytes. The place found is in #arenas.placedArena/placedPage.
   */
  #place(pages: number): boolean {
    const arenas = this.#arenas
    if (arenas.placeInExisting(pages)) return true
    if (this.#reclaimable()) {
      this.#reclaim()
      if (arenas.placeInExisting(pages)) return true
    }
    return arenas.placeInNew(pages)
  }

  // ---- maintenance ------------------------------------------------------

  /**
   * Whether #reclaim could free a page: only cached slots and wholly free
   * current slabs hold pages that nobody leases (other free slabs retire as
   * they empty).
   */
  #reclaimable(): boolean {
    for (let c = 0; c < CLASS_COUNT; c++) {
      if (this.#cacheCount[c] !== 0) return true
      const s = this.#classCurrent[c]!
      if (s !== NONE && this.slabs[s * SLAB_STRIDE + FREE] === this.#classSlots[c]) return true
    }
    return false
  }

  /** Returns every cached slot to its slab and every wholly free slab's pages to its arena. */
  #reclaim(): void {
    for (let c = 0; c < CLASS_COUNT; c++) {
      const base = c * CACHE_SLOTS
      const cached = this.#cacheCount[c]!
      this.#cacheCount[c] = 0
      for (let k = 0; k < cached; k++) this.#returnSlot(this.#cache[2 * (base + k)]!, c)
    }
    const slabs = this.slabs
    for (let s = 0; s < this.#slabIds; s++) {
      const c = slabs[s * SLAB_STRIDE + CLASS]!
      // Current slabs are kept by #returnSlot for reuse; here they go too.
      if (c !== NONE && c !== HUGE && slabs[s * SLAB_STRIDE + FREE] === this.#classSlots[c]) this.#retireSlab(s)
    }
  }

  /**
   * Reclaims, then deregisters and frees empty arenas beyond `spareArenas`
   * (lowest arena ids are kept). A Registrar that fails to deregister leaves
   * its arena whole; the others still go, and the first error is thrown.
   */
  trim(spareArenas: number): void {
    this.#idleSignalled = false
    this.#reclaim()
    let failure: unknown
    for (const a of this.#arenas.idle().slice(spareArenas)) {
      try {
        this.#arenas.close(a)
      } catch (error) {
        failure ??= error
      }
    }
    if (failure !== undefined) throw failure
  }

  // ---- reading a live slot (callers validated it) -------------------------

  arenaRecordOf(i: number): ArenaRecord {
    return this.#arenas.records[this.slabs[this.granuleSlab[i >> GRANULE_SHIFT]! * SLAB_STRIDE + ARENA]!]!
  }

  offsetOf(i: number): number {
    const record = this.granuleSlab[i >> GRANULE_SHIFT]! * SLAB_STRIDE
    const slabs = this.slabs
    const c = slabs[record + CLASS]!
    const inSlab = c === HUGE ? 0 : (i - slabs[record + BASE]!) * this.classSize[c]!
    return slabs[record + PAGE]! * PAGE_SIZE + inSlab
  }

  lengthOf(i: number): number {
    const word = this.slots[2 * i + 1]!
    return ((word >>> CLASS_SHIFT) & CLASS_MASK) === HUGE ? this.hugeLength[this.granuleSlab[i >> GRANULE_SHIFT]!]! : word & LENGTH_MASK
  }

  capacityOf(i: number): number {
    const record = this.granuleSlab[i >> GRANULE_SHIFT]! * SLAB_STRIDE
    const c = this.slabs[record + CLASS]!
    return c === HUGE ? this.slabs[record + PAGES]! * PAGE_SIZE : this.classSize[c]!
  }

  // ---- figures ----------------------------------------------------------

  get arenas(): ArenaSet {
    return this.#arenas
  }

  get leasedBytes(): number {
    return this.#counters[0]! * (1 << UNIT_SHIFT)
  }

  get peakLeasedBytes(): number {
    return this.#counters[1]! * (1 << UNIT_SHIFT)
  }

  /** Sum of lengths and count of live leases: a scan, for stats(). */
  outstanding(): { leases: number; requestedBytes: number } {
    let leases = 0
    let requestedBytes = 0
    const slots = this.slots
    const end = this.#nextGranule << GRANULE_SHIFT
    for (let i = 0; i < end; i++) {
      if (slots[2 * i]! > 0) {
        leases++
        requestedBytes += this.lengthOf(i)
      }
    }
    return { leases, requestedBytes }
  }

  /** Bytes of the allocator's own arrays: slot words, bitmap, slab records, page maps, caches. */
  bookkeepingBytes(): number {
    return this.slots.byteLength + this.#freeBits.byteLength + this.granuleSlab.byteLength +
      this.slabs.byteLength + this.#cache.byteLength + this.#arenas.bookkeepingBytes
  }

  classStats(): ClassStats[] {
    return SIZE_CLASSES.map(({ size }, c) => ({
      size,
      slabs: this.#classSlabs[c]!,
      slots: this.#classSlabs[c]! * this.#classSlots[c]!,
      freeSlots: this.#classFree[c]! + this.#cacheCount[c]!,
    }))
  }
}
