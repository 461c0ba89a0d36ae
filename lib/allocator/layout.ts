// The allocator's words: what each typed-array word means, and the handle
// encoding. The invariants these serve are stated at the top of allocator.ts.
//
// Slot words. `slots` holds two Int32 words per slot index i:
//   slots[2i]     the reference count: > 0 while leased, 0 while free or cached;
//   slots[2i + 1] generation (bits 24-31) | size class (bits 17-22) | length
//                 (bits 0-16) while leased; a huge lease keeps there only what
//                 its last page holds (1..4096).
// Below the first real slot (FIRST_GRANULE) sit the caches, as pseudo-slots
// whose reference count stays 0 (see CACHE_STRIDE): the hot path reads one
// array, and a handle naming a pseudo-slot is never live.
//
// Handles. A handle is i * 256 + the slot's generation at lease time, below
// 2^32 (slot indices stop at MAX_SLOTS). Freeing a slot bumps its generation,
// so a stale handle misses until the slot has been reused 256 times.
//
// Slab records. `slabs` holds SLAB_STRIDE Int32 words per slab: its first slot
// index, first page in its arena, page count, free bits, a bitmap-word hint,
// the list it is on and its list links. Its class is in its slots' words, its
// arena in granuleArena.
import { MAX_CLASS_SIZE, SIZE_CLASSES } from './size-classes.js'

const CLASS_COUNT = SIZE_CLASSES.length

/**
 * The constants the hot path reads, as a const enum: tsc writes the numbers
 * into the code. A module-level const costs a context load and a TDZ check
 * per use, bytes that count against V8's inlining budget for a caller's loop.
 */
export const enum Word {
  /** Class id of page runs above the largest class (SIZE_CLASSES.length, checked below). */
  HUGE = 44,
  CACHE_SLOTS = 64,
  /**
   * Per class, CACHE_SLOTS + 1 pseudo-slots: its cache's count, then a stack
   * of recently freed slot indices, each value in a pseudo-slot's second word
   * (`cacheAt(c)` is the count's word, cached slot k is 2k + 2 words on).
   */
  CACHE_STRIDE = 2 * (CACHE_SLOTS + 1),
  /** Slot indices come in granules of 8; a slab owns whole granules, for good. */
  GRANULE_SHIFT = 3,
  GEN_SHIFT = 24,
  CLASS_SHIFT = 17,
  CLASS_MASK = 63,
  LENGTH_MASK = (1 << CLASS_SHIFT) - 1,
  /** A slot word less its length: what a free keeps. */
  KEEP_MASK = ~LENGTH_MASK,
  /** MAX_CLASS_SIZE (size-classes.ts, checked below). */
  MAX_CLASSED = 65536,
}
if (Word.HUGE !== CLASS_COUNT) throw new Error(`layout: HUGE is ${Word.HUGE}, but there are ${CLASS_COUNT} size classes`)
if (Word.MAX_CLASSED !== MAX_CLASS_SIZE) throw new Error(`layout: MAX_CLASSED is ${Word.MAX_CLASSED}, but the largest class is ${MAX_CLASS_SIZE}`)

export const HUGE = Word.HUGE
export const CACHE_SLOTS = Word.CACHE_SLOTS
export const CACHE_STRIDE = Word.CACHE_STRIDE
/** The first granule of real slots: the caches' pseudo-slots come before it. */
export const FIRST_GRANULE = Math.ceil(((CLASS_COUNT + 1) * (CACHE_SLOTS + 1)) / 8)
export const GRANULE_SHIFT = Word.GRANULE_SHIFT
export const GEN_SHIFT = Word.GEN_SHIFT
export const CLASS_SHIFT = Word.CLASS_SHIFT
export const CLASS_MASK = Word.CLASS_MASK
export const LENGTH_MASK = Word.LENGTH_MASK
export const NONE = -1
/** Slot indices stop at 2^24 so that a handle stays below 2^32. */
export const MAX_SLOTS = 1 << 24

// Partial slabs sit in one of BUCKETS lists per class by how free they are.
export const BUCKETS = 4
/** List ids: c * BUCKETS + b for partial slabs, RETIRED + c for retired records. */
export const RETIRED = CLASS_COUNT * BUCKETS

// Slab record fields.
export const SLAB_STRIDE = 8
export const BASE = 0 // first slot index
export const PAGE = 1 // first page in the arena
export const PAGES = 2
export const FREE = 3 // 1 bits in the bitmap
export const HINT = 4 // no bitmap word below this one has a 1 bit
export const LIST = 5 // the list it is on, or NONE (in use and unlisted, or current)
export const PREV = 6
export const NEXT = 7

/** The word holding class c's cache count (see CACHE_STRIDE). */
export function cacheAt(c: number): number {
  return c * CACHE_STRIDE + 1
}

/** The slot index a handle names (for cold callers: the hot path inlines `h >>> 8`). */
export function slotOf(handle: number): number {
  return handle >>> 8
}

/** The generation a handle was issued with. */
export function generationOf(handle: number): number {
  return handle & 255
}
