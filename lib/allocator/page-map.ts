// Which pages of one arena are free: a bitmap, 1 = free, worked a 32-bit word
// at a time. Allocation is first fit from the lowest page, which keeps
// long-lived data packed at the front and lets freed runs coalesce with free
// neighbours by construction (a run is just its bits). Bits past the last
// page stay 0, so they read as taken. 1 bit per page of bookkeeping.

/** Index of the lowest 1 bit of a non-zero word. */
export function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word)
}

/** Sets bits [first, first + n) of a bitmap to 1 (or 0), a word at a time. Bit indices stay below 2^31. */
export function setBits(bits: Uint32Array, first: number, n: number, on: boolean): void {
  const end = first + n
  for (let w = first >>> 5; w * 32 < end; w++) {
    const lo = Math.max(first - w * 32, 0)
    const hi = Math.min(end - w * 32, 32)
    const mask = (hi === 32 ? -1 : (1 << hi) - 1) & (-1 << lo)
    bits[w] = on ? bits[w]! | mask : bits[w]! & ~mask
  }
}

export class PageMap {
  readonly pages: number
  freePages: number
  readonly #free: Uint32Array
  // No free page lies below this one.
  #lowestFree = 0

  constructor(pages: number) {
    this.pages = pages
    this.freePages = pages
    this.#free = new Uint32Array(Math.ceil(pages / 32))
    setBits(this.#free, 0, pages, true)
  }

  /** First page of a free run of n pages (n >= 1), now taken; -1 when there is none. */
  take(n: number): number {
    if (n > this.freePages) return -1
    for (let p = this.#lowestFree; p + n <= this.pages;) {
      const start = this.#next(p, true, this.pages)
      if (start + n > this.pages) return -1
      const end = this.#next(start, false, start + n)
      if (end - start === n) {
        setBits(this.#free, start, n, false)
        this.freePages -= n
        if (start === this.#lowestFree) this.#lowestFree = this.#next(start + n, true, this.pages)
        return start
      }
      p = end
    }
    return -1
  }

  /** Precondition: pages [first, first + n) were taken together. */
  give(first: number, n: number): void {
    setBits(this.#free, first, n, true)
    this.freePages += n
    if (first < this.#lowestFree) this.#lowestFree = first
  }

  get bookkeepingBytes(): number {
    return this.#free.byteLength
  }

  isFree(page: number): boolean {
    return ((this.#free[page >>> 5]! >>> (page & 31)) & 1) === 1
  }

  /** The first page at or after p that is free (or taken), or limit when none is below it. */
  #next(p: number, free: boolean, limit: number): number {
    const bits = this.#free
    const flip = free ? 0 : -1
    let w = p >>> 5
    let word = (bits[w]! ^ flip) & (-1 << (p & 31))
    while (word === 0) {
      if (++w << 5 >= limit) return limit
      word = bits[w]! ^ flip
    }
    return Math.min((w << 5) + lowestBit(word), limit)
  }
}
