// Slabs: the allocator's state, and the slow paths that move slots between
// slabs, caches and arenas: finding a slab with room, taking and returning
// slots in the bitmap, placing and retiring slabs, reclaiming and trimming.
// The invariants are stated at the top of allocator.ts, whose Allocator adds
// the hot path and the readers to this class.
import { ArenaSet, type ArenaFactory, type ArenaMemory } from './arena-set.js'
import {
  BASE, BUCKETS, CACHE_SLOTS, CLASS_MASK, CLASS_SHIFT, FIRST_GRANULE, FREE, GRANULE_SHIFT, HINT, HUGE, LIST, MAX_SLOTS, NEXT,
  NONE, PAGE, PAGES, PREV, RETIRED, SLAB_STRIDE, cacheAt,
} from './layout.js'
import { lowestBit, setBits } from './page-map.js'
import { PAGE_SIZE, SIZE_CLASSES } from './size-classes.js'

const CLASS_COUNT = SIZE_CLASSES.length

export interface AllocatorOptions<A extends ArenaMemory> {
  arenaSize: number
  maxBytes: number
  /** Where arenas come from: the pool's registered ones, or a test's fakes. */
  arenas: ArenaFactory<A>
  /** Called after the pool gains an arena (on a lease's slow path). */
  onGrow: () => void
  /**
   * Called when a slab gives up its pages: its `count` slot indices from
   * `first` may later be placed elsewhere, so what the pool keeps per slot
   * (its views) is stale.
   */
  onRetire?: (first: number, count: number) => void
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

function resizeUint32(array: Uint32Array<ArrayBuffer>, length: number): Uint32Array<ArrayBuffer> {
  const grown = new Uint32Array(length)
  grown.set(array)
  return grown
}


/** @internal All fields: the package exports none of this. */
export class Slabs<A extends ArenaMemory> {
  /**
   * @internal Per slot, two words: refCount, then generation | class | length.
   * The caches' pseudo-slots (see CACHE_STRIDE) come first. HUGE's count is
   * pinned at CACHE_SLOTS: a huge release always takes the (out-of-line)
   * overflow path.
   */
  slots = new Int32Array(FIRST_GRANULE << (GRANULE_SHIFT + 1))
  /** @internal Per granule of 8 slot indices: the arena of the slab owning it. */
  granuleArena = new Int32Array(0)
  // Bit i is 1 while slot i is free in its slab (classed slabs only).
  freeBits = new Uint32Array(0)
  // Per granule: the slab owning it (for good), or NONE.
  granuleSlab = new Int32Array(0)
  /**
   * @internal Per granule of a placed slab: the byte offset in its arena of
   * the granule's first slot, so a slot's offset is one load and a multiply
   * (no walk through its slab record). Uint32: arenas go up to 4 GiB.
   */
  granuleOffset = new Uint32Array(0)
  /** @internal The handles a leaseBatch() call has made so far (allocator.ts). */
  batchScratch = new Uint32Array(64)
  nextGranule = FIRST_GRANULE
  // Slab records, SLAB_STRIDE words each (fields above).
  slabs = new Int32Array(0)
  slabIds = 0
  // Heads of the partial and retired lists (list ids above).
  readonly listHead = new Int32Array(RETIRED + CLASS_COUNT + 1).fill(NONE)
  // Per class (HUGE included where it makes sense).
  readonly classSize = new Int32Array(CLASS_COUNT + 1)
  readonly classSlots = new Int32Array(CLASS_COUNT)
  readonly classGranules = new Int32Array(CLASS_COUNT)
  readonly classPages = new Int32Array(CLASS_COUNT)
  readonly classCurrent = new Int32Array(CLASS_COUNT).fill(NONE)
  readonly classSlabs = new Int32Array(CLASS_COUNT + 1)
  readonly classFree = new Int32Array(CLASS_COUNT)
  readonly arenas: ArenaSet<A>
  readonly options: AllocatorOptions<A>

  constructor(options: AllocatorOptions<A>) {
    this.options = options
    this.arenas = new ArenaSet(options.arenaSize, options.maxBytes, options.arenas, () => this.leasesByArena())
    SIZE_CLASSES.forEach((sizeClass, c) => {
      this.classSize[c] = sizeClass.size
      this.classSlots[c] = sizeClass.slotsPerSlab
      this.classGranules[c] = Math.ceil(sizeClass.slotsPerSlab / (1 << GRANULE_SHIFT))
      this.classPages[c] = sizeClass.pagesPerSlab
    })
    this.slots[cacheAt(HUGE)] = CACHE_SLOTS
  }

  /**
   * Leases live in each arena (by arena id), derived: a slab in use holds its
   * slots less its free bits, less its slots waiting in a cache. O(slabs);
   * for arena.refs and trim(), never the lease/release path.
   */
  leasesByArena(): Int32Array {
    const counts = new Int32Array(this.arenas.records.length)
    const slabs = this.slabs
    for (let s = 0; s < this.slabIds; s++) {
      const record = s * SLAB_STRIDE
      if (slabs[record + LIST]! >= RETIRED) continue
      const first = slabs[record + BASE]!
      const c = (this.slots[2 * first + 1]! >>> CLASS_SHIFT) & CLASS_MASK
      counts[this.granuleArena[first >> GRANULE_SHIFT]!]! += c === HUGE ? 1 : this.classSlots[c]! - slabs[record + FREE]!
    }
    for (let c = 0; c < CLASS_COUNT; c++) {
      const at = cacheAt(c)
      for (let k = 0; k < this.slots[at]!; k++) counts[this.granuleArena[this.slots[at + 2 + 2 * k]! >> GRANULE_SHIFT]!]!--
    }
    return counts
  }

  /** Leases live in the pool: O(classes), from the per-class slab and free counts. */
  liveLeases(): number {
    let leases = this.classSlabs[HUGE]!
    for (let c = 0; c < CLASS_COUNT; c++) leases += this.classSlabs[c]! * this.classSlots[c]! - this.classFree[c]! - this.slots[cacheAt(c)]!
    return leases
  }

  /** A full cache, or a huge lease (whose count is always "full"). */
  overflow(c: number, i: number): void {
    if (c === HUGE) this.retireSlab(this.granuleSlab[i >> GRANULE_SHIFT]!)
    else this.spill(c, i)
  }

  /** The fullest partial slab of class c, else a new one; it becomes the class's current slab. */
  nextSlab(c: number): number {
    for (let b = 0; b < BUCKETS; b++) {
      const s = this.listHead[c * BUCKETS + b]!
      if (s !== NONE) {
        this.unlink(s)
        return (this.classCurrent[c] = s)
      }
    }
    const s = this.newSlab(c)
    if (s >= 0) this.classCurrent[c] = s
    return s
  }

  /** Precondition: slab s has a free slot. */
  takeSlot(s: number, c: number): number {
    const record = s * SLAB_STRIDE
    const slabs = this.slabs
    const bits = this.freeBits
    const first = slabs[record + BASE]!
    const end = first + this.classSlots[c]!
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
      const bit = lowestBit(word)
      bits[w] = bits[w]! & ~(1 << bit)
      slabs[record + HINT] = w
      slabs[record + FREE]--
      this.classFree[c]--
      return w * 32 + bit
    }
  }

  /** Cache full: half of it, and the newcomer, go back to their slabs' bitmaps. */
  spill(c: number, i: number): void {
    const at = cacheAt(c)
    const keep = CACHE_SLOTS / 2
    for (let k = keep; k < CACHE_SLOTS; k++) this.returnSlot(this.slots[at + 2 + 2 * k]!, c)
    this.slots[at + 2 + 2 * keep] = i
    this.slots[at] = keep + 1
  }

  returnSlot(i: number, c: number): void {
    const s = this.granuleSlab[i >> GRANULE_SHIFT]!
    const record = s * SLAB_STRIDE
    const slabs = this.slabs
    const w = i >> 5
    this.freeBits[w]! |= 1 << (i & 31)
    if (w < slabs[record + HINT]!) slabs[record + HINT] = w
    const free = ++slabs[record + FREE]!
    this.classFree[c]++
    if (s === this.classCurrent[c]) return
    const slots = this.classSlots[c]!
    if (free === slots) {
      this.retireSlab(s)
      return
    }
    const list = c * BUCKETS + Math.min(BUCKETS - 1, Math.floor((free * BUCKETS) / slots))
    if (slabs[record + LIST] !== list) {
      if (slabs[record + LIST] !== NONE) this.unlink(s)
      this.link(s, list)
    }
  }

  link(s: number, list: number): void {
    const slabs = this.slabs
    const head = this.listHead[list]!
    slabs[s * SLAB_STRIDE + LIST] = list
    slabs[s * SLAB_STRIDE + PREV] = NONE
    slabs[s * SLAB_STRIDE + NEXT] = head
    if (head !== NONE) slabs[head * SLAB_STRIDE + PREV] = s
    this.listHead[list] = s
  }

  unlink(s: number): void {
    const slabs = this.slabs
    const prev = slabs[s * SLAB_STRIDE + PREV]!
    const next = slabs[s * SLAB_STRIDE + NEXT]!
    if (prev !== NONE) slabs[prev * SLAB_STRIDE + NEXT] = next
    else this.listHead[slabs[s * SLAB_STRIDE + LIST]!] = next
    if (next !== NONE) slabs[next * SLAB_STRIDE + PREV] = prev
    slabs[s * SLAB_STRIDE + LIST] = NONE
  }

  newSlab(c: number): number {
    const slots = this.classSlots[c]!
    const s = this.newSlabRecord(c, this.classPages[c]!, this.classGranules[c]!, slots)
    if (s < 0) return -1
    const first = this.slabs[s * SLAB_STRIDE + BASE]!
    setBits(this.freeBits, first, slots, true)
    this.slabs[s * SLAB_STRIDE + HINT] = first >> 5
    this.slabs[s * SLAB_STRIDE + FREE] = slots
    this.classFree[c] += slots
    return s
  }

  /**
   * A slab of class c (or HUGE) with its pages placed: a retired record of the
   * class (its indices and generations) when there is one, else a new record
   * with fresh indices stamped with the class. -1 when there is no room or no
   * index left.
   */
  newSlabRecord(c: number, pages: number, granules: number, slots: number): number {
    if (!this.place(pages)) return -1
    const { placedArena, placedPage } = this.arenas
    let s = this.listHead[RETIRED + c]!
    if (s !== NONE) {
      this.unlink(s)
    } else {
      const granule = this.bumpGranules(granules)
      if (granule < 0) {
        this.arenas.give(placedArena, placedPage, pages)
        return -1
      }
      s = this.growSlabIds()
      const first = granule << GRANULE_SHIFT
      this.slabs[s * SLAB_STRIDE + BASE] = first
      this.granuleSlab.fill(s, granule, granule + granules)
      for (let i = first; i < first + slots; i++) this.slots[2 * i + 1] = c << CLASS_SHIFT
    }
    const record = s * SLAB_STRIDE
    const slabs = this.slabs
    slabs[record + PAGE] = placedPage
    slabs[record + PAGES] = pages
    slabs[record + FREE] = 0
    slabs[record + LIST] = NONE
    const granule = slabs[record + BASE]! >> GRANULE_SHIFT
    this.granuleArena.fill(placedArena, granule, granule + granules)
    // A huge slab has one granule.
    const granuleBytes = (1 << GRANULE_SHIFT) * this.classSize[c]!
    for (let g = 0; g < granules; g++) this.granuleOffset[granule + g] = placedPage * PAGE_SIZE + g * granuleBytes
    this.classSlabs[c]++
    return s
  }

  retireSlab(s: number): void {
    const record = s * SLAB_STRIDE
    const slabs = this.slabs
    const first = slabs[record + BASE]!
    const c = (this.slots[2 * first + 1]! >>> CLASS_SHIFT) & CLASS_MASK
    if (c !== HUGE) {
      if (slabs[record + LIST] !== NONE) this.unlink(s)
      if (this.classCurrent[c] === s) this.classCurrent[c] = NONE
      this.classFree[c] -= slabs[record + FREE]!
      setBits(this.freeBits, first, this.classSlots[c]!, false)
    }
    this.arenas.give(this.granuleArena[first >> GRANULE_SHIFT]!, slabs[record + PAGE]!, slabs[record + PAGES]!)
    this.link(s, RETIRED + c)
    this.classSlabs[c]--
    this.options.onRetire?.(first, c === HUGE ? 1 : this.classSlots[c]!)
  }

  growSlabIds(): number {
    const s = this.slabIds++
    if ((s + 1) * SLAB_STRIDE > this.slabs.length) this.slabs = growInt32(this.slabs, (s + 1) * SLAB_STRIDE, NONE)
    return s
  }

  /** First granule of n fresh ones, or -1 when slot indices have run out. */
  bumpGranules(n: number): number {
    const granule = this.nextGranule
    const end = (granule + n) << GRANULE_SHIFT
    if (end > MAX_SLOTS) return -1
    this.nextGranule = granule + n
    if (end * 2 > this.slots.length) {
      this.slots = growInt32(this.slots, end * 2, 0)
      const bits = new Uint32Array(Math.ceil(this.slots.length / 64))
      bits.set(this.freeBits)
      this.freeBits = bits
    }
    if (granule + n > this.granuleSlab.length) {
      this.granuleSlab = growInt32(this.granuleSlab, granule + n, NONE)
      this.granuleArena = growInt32(this.granuleArena, granule + n, NONE)
      this.granuleOffset = resizeUint32(this.granuleOffset, this.granuleSlab.length)
    }
    return granule
  }

  /**
   * Finds n free pages in the lowest-addressed arena with room; failing
   * that, after giving back what caches and wholly free slabs hold; failing
   * that, in a new arena within maxBytes. The place found is in
   * arenas.placedArena/placedPage.
   */
  place(pages: number): boolean {
    const arenas = this.arenas
    if (arenas.placeInExisting(pages)) return true
    if (this.reclaimable()) {
      this.reclaim()
      if (arenas.placeInExisting(pages)) return true
    }
    if (!arenas.placeInNew(pages)) return false
    this.options.onGrow()
    return true
  }

  /**
   * Whether reclaim() could free a page: only cached slots and wholly free
   * current slabs hold pages that nobody leases (other free slabs retire as
   * they empty).
   */
  reclaimable(): boolean {
    for (let c = 0; c < CLASS_COUNT; c++) {
      if (this.slots[cacheAt(c)] !== 0) return true
      const s = this.classCurrent[c]!
      if (s !== NONE && this.slabs[s * SLAB_STRIDE + FREE] === this.classSlots[c]) return true
    }
    return false
  }

  /** Returns every cached slot to its slab and every wholly free slab's pages to its arena. */
  reclaim(): void {
    for (let c = 0; c < CLASS_COUNT; c++) {
      const at = cacheAt(c)
      const cached = this.slots[at]!
      this.slots[at] = 0
      for (let k = 0; k < cached; k++) this.returnSlot(this.slots[at + 2 + 2 * k]!, c)
    }
    // Current slabs are kept by returnSlot for reuse; here they go too.
    for (let c = 0; c < CLASS_COUNT; c++) {
      const s = this.classCurrent[c]!
      if (s !== NONE && this.slabs[s * SLAB_STRIDE + FREE] === this.classSlots[c]) this.retireSlab(s)
    }
  }

  /**
   * Reclaims, then deregisters and frees empty arenas beyond `spareArenas`
   * (the lowest-addressed are kept). A Registrar that fails to deregister
   * leaves its arena whole; the others still go, and the first error is thrown.
   */
  trim(spareArenas: number): void {
    this.reclaim()
    let failure: unknown
    for (const a of this.arenas.idle().slice(spareArenas)) {
      try {
        this.arenas.close(a)
      } catch (error) {
        failure ??= error
      }
    }
    if (failure !== undefined) throw failure
  }

  /** trim(spareArenas) when it would free an arena; otherwise nothing, caches left alone. */
  trimIdle(spareArenas: number): void {
    if (this.arenas.idle().length > spareArenas) this.trim(spareArenas)
  }
}
