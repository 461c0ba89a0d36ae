// The slot protocol of a pool shared by worker threads: the per-slot words
// and the operations on them, as docs/design/shared-pool.md gives them
// (checked with spin: models/shared-slot.pml). Not wired into BufferPool
// yet: this module is the protocol alone, over Int32Arrays it is given (views
// of a SharedArrayBuffer, or of a shared arena's memory), with one size
// class, fixed slabs and no arenas.
//
// Notation. Threads have an index t (0..21), one entry of the thread table
// T. Slots are numbered i; slab s holds slots s * slotsPerSlab onwards, and
// belongs to one heap H[s] (a thread, or NO_HEAP until one claims it by
// CAS): only the heap leases from it, from a cache private to that thread.
//   C[i]  gen (24-31) | owner thread (16-23, 255 = none) | n (0-15), the
//         owner's references. The owner writes it with plain stores; adopt
//         and reclaim CAS it.
//   P[i]  gen (24-31) | FREEING (23) | OWNER (22) | mask (0-21) of threads
//         holding foreign references (pins). Atomics only, except the heap's
//         fast release and the owner's plain checks.
//   L[i]  the lease's length (one size class here).
//   R     the remote-free set: bit i & 31 of word i >> 5, a hint that slot i
//         is FREEING. slotsPerSlab is a power of two >= 32, so a word belongs
//         to one slab.
//   T[t]  FREE (never used), LIVE, DEAD, DONE, or RECL + r: reclaimed by r.
// Per thread, private: a cache (a stack of free slot indices per slab it
// heads) and a map of its foreign pins, slot -> count * 256 + gen.
// A handle is i * 256 + gen. A slot is leased iff C.gen == P.gen and P is
// not FREEING.
//
// Invariants (the design's, numbered as there).
// 1. A leased slot's holders are C's owner with n references and each
//    thread whose bit is in P's mask, with the count its private map holds.
// 2. While a leased slot has a pin, OWNER is set iff C's owner has n > 0: the
//    CAS that leaves P with no mask bit and no OWNER frees the slot.
// 3. Every free bumps P's gen in the same step; a lease copies P's gen into
//    C. A CAS that names a gen fails on any later lease (until 256 reuses).
// 4. FREEING slots are claimed only by their slab's heap, by a CAS from
//    FREEING to 0; a bit in R is only a hint.
// 5. Only a slab's heap writes its cache; a takeover rebuilds it from C and P.
//
// Atomic steps. "plain" is an ordinary typed-array access. terminate() can
// stop a thread between any two statements, so each change of shared state
// is one store or one Atomics operation, and a half-done sequence is one
// that reclaim() finishes.
// - lease: pop i from the cache; plain load P = (g, 0); plain stores
//   C = (g, me, 1) (the linearization point) and L. On a miss: drain R with
//   one Atomics.exchange per word, claiming each bit's slot by CAS P
//   (g, FREEING) -> (g, 0); then another slab this thread heads; then an
//   unowned slab, claimed by CAS H[s] NO_HEAP -> me and its cache rebuilt.
//   (A slab given to a thread index at construction has its cache built from
//   the words at that thread's first miss.)
// - release by the owner, n > 1: plain store n - 1. n = 1, P = (g, 0) and I
//   am the heap: plain store P = (g + 1, 0), push (no atomics). P = (g, 0),
//   not the heap: CAS to (g + 1, FREEING), then Atomics.or into R. Pinned:
//   plain store n = 0, then unpin with OWNER.
// - unpin: CAS loop on P that gives up when P is FREEING or its gen is not
//   the lease's; clears OWNER and/or a bit; the CAS that leaves nothing
//   writes the free word ((g + 1, 0) and push if I am the heap, else
//   (g + 1, FREEING) and publish).
// - retain by the owner: plain store n + 1. Foreign: CAS P (g, o, m) to
//   (g, o or m == 0, m | me) on the first pin, a private count after.
// - adopt: load P and C, refuse pinned or n > 1 (RIOPOOL_NOT_ADOPTABLE), one
//   CAS on C moving the owner field to me.
// - reclaim(d): CAS T[d] to RECL + me; per slot republish FREEING, zero d's
//   n by CAS and unpin OWNER and d's bit, or unpin d's bit; take over d's
//   slabs by CAS on H and rebuild their caches; store DONE.
//
// Where this differs from the design, and why:
// - adopt accepts P = (g, OWNER, no mask) as well as (g, 0). The design asks
//   for (g, 0), but a foreign retain and its release leave OWNER set with an
//   empty mask, so a lease once lent could never be adopted. With no mask
//   bit, OWNER constrains nothing (invariant 2 speaks of pinned slots).
// - a foreign retain also checks C.gen == g, so a handle naming a free slot's
//   next generation (never issued) pins nothing.
// - before storing DONE for d, reclaim(d) finishes every thread left in
//   RECL + d (d died reclaiming it): once d's index is reused, RECL + d
//   would read as a live reclaimer and that thread would never be finished.
// - a non-heap last release whose CAS fails (a pin raced it: only racy
//   usage can) goes on as a pinned release instead of failing.
//
// Not here yet: BufferPool over these words (share/attach, arenas, size
// classes, close, acquire waits); a lease that reclaims dead threads itself;
// a way for a heap to give back a slab it does not need (a reclaimer keeps
// every slab it takes over); the exit store armed in the same step as
// attachThread() (a thread terminated between the two leaves its entry LIVE
// for good: the addon should do both in one native call); a benchmark of the
// fast paths against the bars. Tests: test/allocator/shared-slots
// (one thread) and shared-slots-threads (worker_threads, terminate()).
import { PoolError, invalidArgType, invalidState, outOfRange } from '../errors.js'

export const enum SlotWord {
  GEN_SHIFT = 24,
  GEN_ONE = 1 << 24,
  GEN_MASK = 0xff << 24,
  OWNER_SHIFT = 16,
  NO_OWNER = 255,
  COUNT_MASK = 0xffff,
  FREEING = 1 << 23,
  OWNER = 1 << 22,
  MASK = (1 << 22) - 1,
}

export const enum ThreadState { FREE = 0, LIVE = 1, DEAD = 2, DONE = 3, RECL = 4 }

/** Pin masks hold this many threads. */
export const MAX_THREADS = 22
export const NO_HEAP = -1

export interface SlotGeometry {
  slabs: number
  /** A power of two, at least 32. */
  slotsPerSlab: number
  /** Entries of the thread table, 1..22. */
  threads: number
}

/** The shared words, as Int32Array views the caller provides. */
export interface SlotWords {
  readonly slotsPerSlab: number
  readonly count: Int32Array
  readonly pin: Int32Array
  readonly length: Int32Array
  readonly heap: Int32Array
  readonly remote: Int32Array
  readonly threads: Int32Array
}

export interface SlotStats {
  slots: number
  leased: number
  free: number
  /** Free slots waiting in R for their heap's drain. */
  freeing: number
  /** Per thread: leases whose C names it with n > 0. */
  owned: number[]
  /** Per thread: leases with its bit in P's mask. */
  pinned: number[]
  /** Per thread: slabs it heads. */
  slabs: number[]
}

function checkGeometry({ slabs, slotsPerSlab, threads }: SlotGeometry): void {
  if (!Number.isInteger(slotsPerSlab) || slotsPerSlab < 32 || (slotsPerSlab & (slotsPerSlab - 1)) !== 0 || slotsPerSlab > 1 << 16) {
    throw outOfRange('slotsPerSlab', 'a power of two from 32 to 65536', slotsPerSlab)
  }
  if (!Number.isInteger(slabs) || slabs < 1 || slabs * slotsPerSlab > 1 << 24) throw outOfRange('slabs', `an integer from 1 to ${(1 << 24) / slotsPerSlab}`, slabs)
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) throw outOfRange('threads', `an integer from 1 to ${MAX_THREADS}`, threads)
}

/** Bytes the words of this geometry take. */
export function slotWordsBytes(geometry: SlotGeometry): number {
  checkGeometry(geometry)
  const slots = geometry.slabs * geometry.slotsPerSlab
  return 4 * (3 * slots + geometry.slabs + slots / 32 + geometry.threads)
}

/** Views of the words over buffer from byteOffset (a multiple of 4). */
export function slotWordsOver(buffer: ArrayBufferLike, byteOffset: number, geometry: SlotGeometry): SlotWords {
  checkGeometry(geometry)
  const slots = geometry.slabs * geometry.slotsPerSlab
  let at = byteOffset
  const take = (n: number): Int32Array => {
    const view = new Int32Array(buffer, at, n)
    at += 4 * n
    return view
  }
  return {
    slotsPerSlab: geometry.slotsPerSlab,
    count: take(slots),
    pin: take(slots),
    length: take(slots),
    heap: take(geometry.slabs),
    remote: take(slots / 32),
    threads: take(geometry.threads),
  }
}

/**
 * The words of an empty pool: every slot free (C names no owner at gen 0, P
 * is gen 1), each slab's heap from heaps (NO_HEAP where not given), no
 * thread. Before any thread attaches.
 */
export function initialiseSlotWords(words: SlotWords, heaps: ArrayLike<number> = []): void {
  words.count.fill(SlotWord.NO_OWNER << SlotWord.OWNER_SHIFT)
  words.pin.fill(SlotWord.GEN_ONE)
  words.length.fill(0)
  for (let s = 0; s < words.heap.length; s++) words.heap[s] = heaps[s] ?? NO_HEAP
  words.remote.fill(0)
  words.threads.fill(ThreadState.FREE)
}

/** A SharedArrayBuffer holding initialised words, and its views. */
export function createSharedSlotWords(geometry: SlotGeometry, heaps?: ArrayLike<number>): { buffer: SharedArrayBuffer; words: SlotWords } {
  const buffer = new SharedArrayBuffer(slotWordsBytes(geometry))
  const words = slotWordsOver(buffer, 0, geometry)
  initialiseSlotWords(words, heaps)
  return { buffer, words }
}

function notAdoptable(h: number, why: string): PoolError {
  return new PoolError('RIOPOOL_NOT_ADOPTABLE', `Handle ${h} ${why}: adopt takes a lease's only reference: release the others first, or retain(h) here and release(h) there`)
}

/** One thread's face on the shared words: its index, its caches and its pins. */
export class SharedSlots {
  /** @internal */ readonly C: Int32Array
  /** @internal */ readonly P: Int32Array
  /** @internal */ readonly L: Int32Array
  /** @internal */ readonly H: Int32Array
  /** @internal */ readonly R: Int32Array
  /** @internal */ readonly T: Int32Array
  /** @internal */ readonly slotCount: number
  /** @internal log2(slotsPerSlab) */ readonly slabShift: number
  /** @internal this thread's index, -1 before attachThread() */ me = -1
  /** @internal slab s's cache: stack[s << slabShift ...] holds cached[s] slot indices */ readonly stack: Int32Array
  /** @internal */ readonly cached: Int32Array
  /** @internal 1 once slab s's cache is this thread's to keep */ readonly built: Uint8Array
  /** @internal the slab lease() pops from */ current = 0
  /** @internal foreign pins: slot -> count * 256 + gen */ readonly pins = new Map<number, number>()

  constructor(words: SlotWords) {
    this.C = words.count
    this.P = words.pin
    this.L = words.length
    this.H = words.heap
    this.R = words.remote
    this.T = words.threads
    this.slotCount = this.C.length
    this.slabShift = 31 - Math.clz32(words.slotsPerSlab)
    checkGeometry({ slabs: this.H.length, slotsPerSlab: words.slotsPerSlab, threads: this.T.length })
    this.stack = new Int32Array(this.slotCount)
    this.cached = new Int32Array(this.H.length)
    this.built = new Uint8Array(this.H.length)
  }

  /** This thread's index in the thread table (CAS of a FREE or DONE entry to LIVE). */
  attachThread(): number {
    if (this.me >= 0) throw invalidState(`Already attached as thread ${this.me}`)
    const T = this.T
    for (let t = 0; t < T.length; t++) {
      const v = Atomics.load(T, t)
      if ((v === ThreadState.FREE || v === ThreadState.DONE) && Atomics.compareExchange(T, t, v, ThreadState.LIVE) === v) return (this.me = t)
    }
    throw new PoolError('RIOPOOL_EXHAUSTED', `All ${T.length} thread entries are live or being reclaimed: reclaim a dead thread first`)
  }

  get thread(): number {
    return this.me
  }

  // ---- hot path: no Atomics ---------------------------------------------

  /** A handle for length bytes (a positive int32), or -1 when no slab has room. */
  lease(length: number): number {
    const s = this.current
    const k = (this.cached[s]! - 1) | 0
    if (k < 0 || (length | 0) !== length || length <= 0) return this.leaseUncached(length)
    this.cached[s] = k
    const i = this.stack[((s << this.slabShift) + k) | 0]!
    const g = this.P[i]! >>> SlotWord.GEN_SHIFT
    this.C[i] = (g << SlotWord.GEN_SHIFT) | (this.me << SlotWord.OWNER_SHIFT) | 1
    this.L[i] = length
    return i * 256 + g
  }

  /** Gives back one reference this thread holds; false, changing nothing, for a stale handle or one it does not hold. */
  release(h: number): boolean {
    const i = h >>> 8
    if (h >>> 0 !== h || i >= this.slotCount) return false
    const c = this.C[i]!
    if (c >>> SlotWord.OWNER_SHIFT !== (((h & 255) << 8) | this.me) || (c & SlotWord.COUNT_MASK) === 0) return this.releasePin(i, h & 255)
    const p = this.P[i]!
    if (p >>> SlotWord.GEN_SHIFT !== (h & 255) || (p & SlotWord.FREEING) !== 0) return false
    if ((c & SlotWord.COUNT_MASK) > 1) {
      this.C[i] = c - 1
      return true
    }
    const s = i >>> this.slabShift
    if ((p & (SlotWord.OWNER | SlotWord.MASK)) !== 0 || this.H[s] !== this.me) return this.releaseLast(i, c, p)
    this.P[i] = (p + SlotWord.GEN_ONE) & SlotWord.GEN_MASK
    this.stack[((s << this.slabShift) + this.cached[s]!) | 0] = i
    this.cached[s] = (this.cached[s]! + 1) | 0
    return true
  }

  // ---- the rest ----------------------------------------------------------

  /** One more reference to a lease this thread may rely on; false for a stale handle. */
  retain(h: number): boolean {
    const i = h >>> 8
    const g = h & 255
    if (h >>> 0 !== h || i >= this.slotCount || this.me < 0) return false
    const c = this.C[i]!
    if (c >>> SlotWord.OWNER_SHIFT === ((g << 8) | this.me) && (c & SlotWord.COUNT_MASK) !== 0) {
      const p = this.P[i]!
      if (p >>> SlotWord.GEN_SHIFT !== g || (p & SlotWord.FREEING) !== 0) return false
      if ((c & SlotWord.COUNT_MASK) === SlotWord.COUNT_MASK) throw outOfRange('references', 'at most 65535 per thread and lease', 65536)
      this.C[i] = c + 1
      return true
    }
    const pinned = this.pins.get(i)
    if (pinned !== undefined && (pinned & 255) === g) {
      this.pins.set(i, pinned + 256)
      return true
    }
    return this.pinFirst(i, g)
  }

  /**
   * Makes this thread C's owner of a lease whose only reference another
   * thread holds (and will not touch again): one CAS. False for a stale
   * handle; throws RIOPOOL_NOT_ADOPTABLE when the lease is pinned or its
   * owner holds more than one reference.
   */
  adopt(h: number): boolean {
    const i = h >>> 8
    const g = h & 255
    if (this.me < 0) throw invalidState('attachThread() first')
    if (h >>> 0 !== h || i >= this.slotCount) return false
    const p = Atomics.load(this.P, i)
    const c = Atomics.load(this.C, i)
    if (p >>> SlotWord.GEN_SHIFT !== g || (p & SlotWord.FREEING) !== 0 || c >>> SlotWord.GEN_SHIFT !== g) return false
    if ((p & SlotWord.MASK) !== 0) throw notAdoptable(h, 'is pinned by another thread')
    const n = c & SlotWord.COUNT_MASK
    if (n > 1) throw notAdoptable(h, `holds ${n} references`)
    if (n === 0) return false
    if (((c >>> SlotWord.OWNER_SHIFT) & 255) === this.me) return true
    const mine = (c & ~(255 << SlotWord.OWNER_SHIFT)) | (this.me << SlotWord.OWNER_SHIFT)
    return Atomics.compareExchange(this.C, i, c, mine) === c
  }

  /** Whether h names a leased slot's current lease. */
  isLive(h: number): boolean {
    const i = h >>> 8
    if (h >>> 0 !== h || i >= this.slotCount) return false
    const p = Atomics.load(this.P, i)
    return p >>> SlotWord.GEN_SHIFT === (h & 255) && (p & SlotWord.FREEING) === 0 && Atomics.load(this.C, i) >>> SlotWord.GEN_SHIFT === (h & 255)
  }

  /** The length a live lease was made with; -1 for a stale handle. */
  lengthOf(h: number): number {
    return this.isLive(h) ? Atomics.load(this.L, h >>> 8) : -1
  }

  /**
   * Releases every reference dead thread d held and takes over its slabs
   * (the design's four steps), continuing a reclaim whose reclaimer died.
   * Returns the references released, or -1 when d is not DEAD nor left by a
   * dead reclaimer. Each step is a CAS or idempotent, so a reclaimer killed
   * anywhere leaves work its successor redoes.
   */
  reclaim(d: number): number {
    if (this.me < 0) throw invalidState('attachThread() first')
    if (!Number.isInteger(d) || d < 0 || d >= this.T.length || d === this.me) throw outOfRange('thread', `another thread's index below ${this.T.length}`, d)
    const { T, C, P, R } = this
    const v = Atomics.load(T, d)
    const mine = ThreadState.RECL + this.me
    if (v !== mine) {
      const claimable = v === ThreadState.DEAD || (v >= ThreadState.RECL && Atomics.load(T, v - ThreadState.RECL) !== ThreadState.LIVE)
      if (!claimable || Atomics.compareExchange(T, d, v, mine) !== v) return -1
    }
    let released = 0
    const bit = 1 << d
    for (let i = 0; i < this.slotCount; i++) {
      for (;;) {
        const p = Atomics.load(P, i)
        const c = Atomics.load(C, i)
        const g = p >>> SlotWord.GEN_SHIFT
        if ((p & SlotWord.FREEING) !== 0) Atomics.or(R, i >>> 5, 1 << (i & 31))
        else if (c >>> SlotWord.GEN_SHIFT !== g) { /* free */ }
        else if (((c >>> SlotWord.OWNER_SHIFT) & 255) === d) {
          const n = c & SlotWord.COUNT_MASK
          if (n > 0 && Atomics.compareExchange(C, i, c, c & ~SlotWord.COUNT_MASK) !== c) continue // an adopt won: look again
          released += n + ((p & bit) !== 0 ? 1 : 0)
          this.unpin(i, g, true, bit)
        } else if ((p & bit) !== 0) {
          released++
          this.unpin(i, g, false, bit)
        }
        break
      }
    }
    for (let s = 0; s < this.H.length; s++) {
      if (Atomics.load(this.H, s) === d && Atomics.compareExchange(this.H, s, d, this.me) === d) this.rebuildCache(s)
    }
    for (let e = 0; e < T.length; e++) {
      if (e !== d && Atomics.load(T, e) === ThreadState.RECL + d) this.reclaim(e)
    }
    Atomics.store(T, d, ThreadState.DONE)
    return released
  }

  /** The pool as the words say, scanned with atomic loads (exact when nobody moves). */
  stats(): SlotStats {
    const threads = this.T.length
    const result: SlotStats = {
      slots: this.slotCount, leased: 0, free: 0, freeing: 0,
      owned: new Array<number>(threads).fill(0), pinned: new Array<number>(threads).fill(0), slabs: new Array<number>(threads).fill(0),
    }
    for (let i = 0; i < this.slotCount; i++) {
      const p = Atomics.load(this.P, i)
      const c = Atomics.load(this.C, i)
      if ((p & SlotWord.FREEING) !== 0) result.freeing++
      if ((p & SlotWord.FREEING) !== 0 || c >>> SlotWord.GEN_SHIFT !== p >>> SlotWord.GEN_SHIFT) {
        result.free++
        continue
      }
      result.leased++
      const owner = (c >>> SlotWord.OWNER_SHIFT) & 255
      if ((c & SlotWord.COUNT_MASK) !== 0 && owner < threads) result.owned[owner]!++
      for (let t = 0; t < threads; t++) if ((p & (1 << t)) !== 0) result.pinned[t]!++
    }
    for (let s = 0; s < this.H.length; s++) {
      const heap = Atomics.load(this.H, s)
      if (heap >= 0 && heap < threads) result.slabs[heap]!++
    }
    return result
  }

  // ---- out of line ---------------------------------------------------------

  /** @internal A cache miss: drain the slabs this thread heads, then claim an unowned one. */
  leaseUncached(length: number): number {
    if (typeof length !== 'number') throw invalidArgType('length', 'of type number', length)
    if ((length | 0) !== length || length <= 0) throw outOfRange('length', 'an integer from 1 to 2147483647', length)
    if (this.me < 0) throw invalidState('attachThread() first')
    const slabs = this.H.length
    for (let k = 0; k < slabs; k++) {
      const s = (this.current + k) % slabs
      if (this.H[s] !== this.me) continue
      if (this.built[s] === 0) this.rebuildCache(s) // a slab given to this index at construction
      else if (this.cached[s] === 0) this.drain(s)
      if (this.cached[s]! > 0) {
        this.current = s
        return this.lease(length)
      }
    }
    for (let s = 0; s < slabs; s++) {
      if (Atomics.load(this.H, s) === NO_HEAP && Atomics.compareExchange(this.H, s, NO_HEAP, this.me) === NO_HEAP) {
        this.rebuildCache(s)
        if (this.cached[s]! > 0) {
          this.current = s
          return this.lease(length)
        }
      }
    }
    return -1
  }

  /** @internal Claims each FREEING slot R names in slab s into its cache. */
  drain(s: number): void {
    const first = (s << this.slabShift) >>> 5
    const words = 1 << (this.slabShift - 5)
    for (let w = first; w < first + words; w++) {
      let x = Atomics.exchange(this.R, w, 0)
      while (x !== 0) {
        const b = 31 - Math.clz32(x & -x)
        x &= x - 1
        this.claimFreeing(w * 32 + b)
      }
    }
  }

  /** @internal CAS (g, FREEING) to (g, 0) and cache the slot; a failed CAS was a stale hint. */
  claimFreeing(i: number): void {
    const p = Atomics.load(this.P, i)
    if ((p & SlotWord.FREEING) !== 0 && Atomics.compareExchange(this.P, i, p, p ^ SlotWord.FREEING) === p) this.push(i)
  }

  /** @internal Slab s is newly this thread's: its cache, from the words alone. */
  rebuildCache(s: number): void {
    const first = s << this.slabShift
    const end = first + (1 << this.slabShift)
    for (let w = first >>> 5; w < end >>> 5; w++) Atomics.store(this.R, w, 0)
    this.cached[s] = 0
    this.built[s] = 1
    for (let i = first; i < end; i++) {
      const p = Atomics.load(this.P, i)
      const c = Atomics.load(this.C, i)
      if ((p & SlotWord.FREEING) !== 0) this.claimFreeing(i)
      else if (c >>> SlotWord.GEN_SHIFT !== p >>> SlotWord.GEN_SHIFT && (p & (SlotWord.OWNER | SlotWord.MASK)) === 0) this.push(i)
    }
  }

  /** @internal */
  push(i: number): void {
    const s = i >>> this.slabShift
    this.stack[(s << this.slabShift) + this.cached[s]!] = i
    this.cached[s]!++
  }

  /** @internal The owner's last reference, when the fast path does not apply. */
  releaseLast(i: number, c: number, p: number): boolean {
    if ((p & (SlotWord.OWNER | SlotWord.MASK)) === 0) {
      const freeing = ((p + SlotWord.GEN_ONE) & SlotWord.GEN_MASK) | SlotWord.FREEING
      if (Atomics.compareExchange(this.P, i, p, freeing) === p) {
        Atomics.or(this.R, i >>> 5, 1 << (i & 31))
        return true
      }
    }
    this.C[i] = c & ~SlotWord.COUNT_MASK
    this.unpin(i, p >>> SlotWord.GEN_SHIFT, true, 0)
    return true
  }

  /** @internal A foreign release: a private count down, the last one unpins. */
  releasePin(i: number, g: number): boolean {
    const pinned = this.pins.get(i)
    if (pinned === undefined || (pinned & 255) !== g) return false
    if (pinned >= 512) {
      this.pins.set(i, pinned - 256)
      return true
    }
    this.pins.delete(i)
    this.unpin(i, g, false, 1 << this.me)
    return true
  }

  /** @internal The first pin of this thread on lease (i, g): CAS its bit in, with OWNER if the mask was empty. */
  pinFirst(i: number, g: number): boolean {
    if (Atomics.load(this.C, i) >>> SlotWord.GEN_SHIFT !== g) return false
    for (;;) {
      const p = Atomics.load(this.P, i)
      if (p >>> SlotWord.GEN_SHIFT !== g || (p & SlotWord.FREEING) !== 0) return false
      const next = p | (1 << this.me) | ((p & SlotWord.MASK) === 0 ? SlotWord.OWNER : 0)
      if (Atomics.compareExchange(this.P, i, p, next) === p) {
        this.pins.set(i, 256 + g)
        return true
      }
    }
  }

  /**
   * @internal Clears OWNER (if clearOwner) and bit from P[i] while it still
   * holds lease gen g; the CAS that leaves nothing frees the slot. True if
   * this call freed it.
   */
  unpin(i: number, g: number, clearOwner: boolean, bit: number): boolean {
    const P = this.P
    for (;;) {
      const p = Atomics.load(P, i)
      if ((p & SlotWord.FREEING) !== 0 || p >>> SlotWord.GEN_SHIFT !== g) return false
      const mask = p & SlotWord.MASK & ~bit
      const owner = clearOwner ? 0 : p & SlotWord.OWNER
      if (mask !== 0 || owner !== 0) {
        if (Atomics.compareExchange(P, i, p, (p & SlotWord.GEN_MASK) | owner | mask) === p) return false
        continue
      }
      const heap = this.H[i >>> this.slabShift] === this.me
      const free = ((p + SlotWord.GEN_ONE) & SlotWord.GEN_MASK) | (heap ? 0 : SlotWord.FREEING)
      if (Atomics.compareExchange(P, i, p, free) !== p) continue
      if (heap) this.push(i)
      else Atomics.or(this.R, i >>> 5, 1 << (i & 31))
      return true
    }
  }
}
