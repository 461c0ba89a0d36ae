// Which pages of one arena are free: a bitmap, 1 = free. Allocation is
// first fit from the lowest page, which keeps long-lived data packed at the
// front and lets freed runs coalesce with free neighbours by construction
// (a run is just its bits). 1 bit per page of bookkeeping.

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
    for (let p = 0; p < pages; p++) this.#free[p >>> 5]! |= 1 << (p & 31)
  }

  /** First page of a free run of n pages, now taken; -1 when there is none. */
  take(n: number): number {
    if (n > this.freePages) return -1
    const free = this.#free
    let runStart = -1
    for (let p = this.#lowestFree; p < this.pages;) {
      const word = free[p >>> 5]!
      if (word === 0 && (p & 31) === 0) {
        runStart = -1
        p += 32
        continue
      }
      if ((word >>> (p & 31)) & 1) {
        if (runStart < 0) runStart = p
        if (p - runStart + 1 === n) {
          this.#mark(runStart, n, false)
          return runStart
        }
      } else {
        runStart = -1
      }
      p++
    }
    return -1
  }

  /** Precondition: pages [first, first + n) were taken together. */
  give(first: number, n: number): void {
    this.#mark(first, n, true)
  }

  get bookkeepingBytes(): number {
    return this.#free.byteLength
  }

  isFree(page: number): boolean {
    return ((this.#free[page >>> 5]! >>> (page & 31)) & 1) === 1
  }

  #mark(first: number, n: number, free: boolean): void {
    const bits = this.#free
    for (let p = first; p < first + n; p++) {
      if (free) bits[p >>> 5]! |= 1 << (p & 31)
      else bits[p >>> 5]! &= ~(1 << (p & 31))
    }
    if (free) {
      this.freePages += n
      if (first < this.#lowestFree) this.#lowestFree = first
    } else {
      this.freePages -= n
      if (first === this.#lowestFree) this.#advanceLowest()
    }
  }

  #advanceLowest(): void {
    let p = this.#lowestFree
    while (p < this.pages && !this.isFree(p)) p++
    this.#lowestFree = p
  }
}
