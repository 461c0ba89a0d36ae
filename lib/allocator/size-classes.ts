// Size classes: 16-byte steps up to 128 bytes, then four per doubling to
// 64 KiB, as jemalloc and Netty space them. Powers of two are exact classes.
// A request is rounded up to the next class, so below 128 bytes a slot wastes
// at most 15 bytes (the 16-byte step: up to 15/16 of a 16-byte slot for a
// 1-byte request, 15/32 at 17 bytes, 15/48 at 33), and from 128 bytes up
// under 20 % of itself (exactly 0 at each power of two).
//
//   16 32 48 | 64 80 96 112 | 128 160 192 224 | 256 320 384 448 | 512 640 768 896 |
//   1 Ki 1.25 Ki 1.5 Ki 1.75 Ki | 2 Ki ... | 4 Ki ... | 8 Ki ... | 16 Ki ... |
//   32 Ki 40 Ki 48 Ki 56 Ki | 64 Ki
//
// Every class lives in slabs: runs of whole pages that its slots tile with no
// tail left over. A slab is the least common multiple of the page and the
// slot size, repeated until it holds at least SLAB_TARGET_BYTES (for small
// slots, so slab bookkeeping stays rare) but never more than MAX_SLAB_SLOTS
// slots. Requests above the largest class take a run of whole pages.

/** The allocator's page: arenas are carved in 4 KiB units on every OS. */
export const PAGE_SIZE = 4096
export const PAGE_SHIFT = 12

export const MIN_CLASS_SIZE = 16
/** Classes below this one are 16-byte steps; from it up, four per doubling. */
const FIRST_QUARTER_CLASS = 64
export const MAX_CLASS_SIZE = 65536
const SLAB_TARGET_BYTES = 32768
const MAX_SLAB_SLOTS = 512

/** Requests are looked up in 16-byte units: every class is a multiple of 16. */
export const UNIT_SHIFT = 4

export interface SizeClass {
  size: number
  slotsPerSlab: number
  pagesPerSlab: number
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

function classSizes(): number[] {
  const sizes: number[] = []
  for (let size = MIN_CLASS_SIZE; size < FIRST_QUARTER_CLASS; size += MIN_CLASS_SIZE) sizes.push(size)
  for (let base = FIRST_QUARTER_CLASS; base < MAX_CLASS_SIZE; base *= 2) {
    for (let step = 0; step < 4; step++) sizes.push(base + (base / 4) * step)
  }
  sizes.push(MAX_CLASS_SIZE)
  return sizes
}

function slabGeometry(size: number): SizeClass {
  const lcm = (PAGE_SIZE / gcd(PAGE_SIZE, size)) * size
  const repeats = Math.max(1, Math.min(Math.floor(SLAB_TARGET_BYTES / lcm), Math.floor(MAX_SLAB_SLOTS * size / lcm)))
  const bytes = lcm * repeats
  return { size, slotsPerSlab: bytes / size, pagesPerSlab: bytes / PAGE_SIZE }
}

export const SIZE_CLASSES: readonly SizeClass[] = classSizes().map(slabGeometry)

/** Class index for a request of n bytes (1 <= n <= MAX_CLASS_SIZE) is CLASS_BY_UNITS[(n + 15) >> 4]. */
export const CLASS_BY_UNITS: Uint8Array = (() => {
  const table = new Uint8Array((MAX_CLASS_SIZE >> UNIT_SHIFT) + 1)
  let c = 0
  for (let units = 0; units < table.length; units++) {
    while (SIZE_CLASSES[c]!.size < units << UNIT_SHIFT) c++
    table[units] = c
  }
  return table
})()
