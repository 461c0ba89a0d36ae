// The allocator's record of its arenas: each carved into 4 KiB pages
// (PageMap), where page runs go (the lowest-addressed arena with room, then a
// new arena within maxBytes), which hold no lease, and closing the idle ones.
// Arena ids are small integers, reused after an arena closes. Filling low
// arenas first lets high ones empty after a burst, so trim() can give them
// back. Page and byte counts are plain arithmetic (no `|`, `>>` or `<<`), so
// arenas up to 4 GiB never wrap.
//
// Arenas come from a factory passed in: the pool passes one that makes real,
// registered arenas (arenas/arena.ts); tests pass fakes over plain memory. So
// the allocator loads, and can be tested, without the addon.
import { PageMap } from './page-map.js'
import { PAGE_SIZE } from './size-classes.js'

const RIO_INVALID_BUFFERID = 0xffffffffn

// %TypedArray%.prototype's getters: arena.buffer is a user's object too, whose
// own `buffer` or `byteOffset` may be shadowed to name other memory.
const typedArray = Object.getPrototypeOf(Uint8Array.prototype) as object
const bufferOf = Object.getOwnPropertyDescriptor(typedArray, 'buffer')!.get!
const byteOffsetOf = Object.getOwnPropertyDescriptor(typedArray, 'byteOffset')!.get!

/** What the allocator needs of an arena. */
export interface ArenaMemory {
  /** Bytes: a whole number of pages. */
  readonly size: number
  /** Where it starts: arenas are kept in address order. */
  readonly address: bigint
  /** Its registration's id (RIO_BUFFERID, io_uring slot); null when unregistered. */
  readonly bufferId: bigint | null
  /** The whole arena, zero-copy; a new view once a transfer detached the last. */
  readonly buffer: Uint8Array
}

/** Makes and closes the arenas of one allocator. */
export interface ArenaFactory<A extends ArenaMemory> {
  /**
   * A new registered arena of `size` bytes, whose live leases `leases` counts;
   * null when there is no room for one now (a registration table full), which
   * the allocator treats as its budget reached. OS failures throw.
   */
  open(size: number, leases: () => number): A | null
  /** Deregisters and frees it. If it throws (a Registrar failed), the arena stays whole. */
  close(arena: A): void
}

export interface ArenaRecord<A extends ArenaMemory = ArenaMemory> {
  readonly arena: A
  readonly pages: PageMap
  /**
   * arena.buffer's ArrayBuffer and where the arena starts in it: lease
   * buffers are views of these. Remade when a transfer detaches it (see
   * currentMemory()).
   */
  memory: ArrayBuffer
  memoryOffset: number
  /**
   * A one-byte view of memory that nothing outside the allocator holds: its
   * length reads 0 once memory is detached. A typed array's length is a load
   * V8 inlines, where ArrayBuffer's byteLength is a call; and no user code can
   * shadow it.
   */
  probe: Uint8Array
}

export class ArenaSet<A extends ArenaMemory> {
  readonly records: Array<ArenaRecord<A> | null> = []
  /**
   * Per arena id a, RIO_BUF's BufferId split for writing: the low word at
   * 2a, the high at 2a + 1; the sentinel 0xFFFFFFFF when unregistered. Two
   * loads where an io path writes a RIO_BUF.
   */
  ids = new Uint32Array(16)
  bytes = 0
  peakBytes = 0
  /** Where the last successful place*() put its pages. */
  placedArena = 0
  placedPage = 0
  readonly #freeIds: number[] = []
  // Ids of open arenas, lowest address first.
  readonly #byAddress: number[] = []
  readonly #arenaSize: number
  readonly #maxBytes: number
  readonly #factory: ArenaFactory<A>
  // Leases live per arena id, derived by the allocator (cold: O(slabs)).
  readonly #leasesByArena: () => Int32Array

  constructor(arenaSize: number, maxBytes: number, factory: ArenaFactory<A>, leasesByArena: () => Int32Array) {
    this.#arenaSize = arenaSize
    this.#maxBytes = maxBytes
    this.#factory = factory
    this.#leasesByArena = leasesByArena
  }

  /** Takes n free pages from the lowest-addressed arena that has them, first fit within it. */
  placeInExisting(pages: number): boolean {
    const records = this.records
    for (const a of this.#byAddress) {
      const map = records[a]!.pages
      if (map.freePages < pages) continue
      const page = map.take(pages)
      if (page < 0) continue
      this.placedArena = a
      this.placedPage = page
      return true
    }
    return false
  }

  /** Takes n pages from a new arena; false when that would pass maxBytes, or the factory has no room. OS failures throw. */
  placeInNew(pages: number): boolean {
    if (pages * PAGE_SIZE > this.#arenaSize || this.bytes + this.#arenaSize > this.#maxBytes) return false
    const a = this.#add()
    if (a < 0) return false
    this.placedArena = a
    this.placedPage = this.records[a]!.pages.take(pages)
    return true
  }

  /** Precondition: the pages were placed together in arena a. */
  give(a: number, page: number, pages: number): void {
    this.records[a]!.pages.give(page, pages)
  }

  /** Ids of arenas holding no lease, lowest address first. */
  idle(): number[] {
    const leases = this.#leasesByArena()
    return this.#byAddress.filter(a => leases[a] === 0)
  }

  /** Deregisters and frees arena a. Precondition: it is idle and its pages are all free. */
  close(a: number): void {
    const { arena } = this.records[a]!
    this.#factory.close(arena) // may throw (a Registrar's deregister): the arena then stays, whole
    this.records[a] = null
    this.#freeIds.push(a)
    this.#byAddress.splice(this.#byAddress.indexOf(a), 1)
    this.bytes -= arena.size
  }

  /** Open arenas. */
  get count(): number {
    return this.#byAddress.length
  }

  get bookkeepingBytes(): number {
    return this.records.reduce((bytes, record) => bytes + (record ? record.pages.bookkeepingBytes : 0), this.ids.byteLength)
  }

  #add(): number {
    // The id is taken only once the arena exists: a factory that throws consumes none.
    const freeIds = this.#freeIds
    const a = freeIds.length !== 0 ? freeIds[freeIds.length - 1]! : this.records.length
    const arena = this.#factory.open(this.#arenaSize, () => this.#leasesByArena()[a]!)
    if (arena === null) return -1
    if (freeIds.length !== 0) freeIds.pop()
    const id = arena.bufferId ?? RIO_INVALID_BUFFERID
    const view = arena.buffer
    const memory = bufferOf.call(view) as ArrayBuffer
    const memoryOffset = byteOffsetOf.call(view) as number
    this.records[a] = {
      arena,
      pages: new PageMap(Math.floor(arena.size / PAGE_SIZE)),
      memory,
      memoryOffset,
      probe: new Uint8Array(memory, memoryOffset, 1),
    }
    if (2 * a + 2 > this.ids.length) {
      const ids = new Uint32Array(2 * this.ids.length)
      ids.set(this.ids)
      this.ids = ids
    }
    this.ids[2 * a] = Number(id & 0xffffffffn)
    this.ids[2 * a + 1] = Number((id >> 32n) & 0xffffffffn)
    const above = this.#byAddress.findIndex(b => this.records[b]!.arena.address > arena.address)
    this.#byAddress.splice(above < 0 ? this.#byAddress.length : above, 0, a)
    this.bytes += arena.size
    if (this.bytes > this.peakBytes) this.peakBytes = this.bytes
    return a
  }
}

/** The record's ArrayBuffer, remade from the arena once a transfer (a BYOB read) has detached it. */
export function currentMemory(record: ArenaRecord<ArenaMemory>): ArrayBuffer {
  if (record.probe.length === 0) {
    const view = record.arena.buffer
    record.memory = bufferOf.call(view) as ArrayBuffer
    record.memoryOffset = byteOffsetOf.call(view) as number
    record.probe = new Uint8Array(record.memory, record.memoryOffset, 1)
  }
  return record.memory
}
