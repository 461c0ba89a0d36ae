'use strict'
// Mutations of the allocator and the pool (issue 12's survivors and their
// neighbours): each a real bug the suite must notice. Format: see native.js.
module.exports = [
  {
    id: 'lease-not-marked-released',
    file: 'lib/pool/lease.ts',
    search: '    if (freed) this._buffer = null\n',
    replace: '\n',
    tests: ['pool-generations', 'pool-refcount'],
    description: "a Lease's own release() forgets it was released: 256 reuses later it frees the new owner's lease",
  },
  {
    id: 'generations-reset-on-reuse',
    file: 'lib/allocator/slabs.ts',
    search: '    if (s !== NONE) {\n      this.unlink(s)\n',
    replace: '    if (s !== NONE) {\n      this.unlink(s)\n      for (let i = this.slabs[s * SLAB_STRIDE + BASE]!, end = i + slots; i < end; i++) this.slots[2 * i + 1] = c << CLASS_SHIFT\n',
    tests: ['pool-generations', 'pool-model'],
    description: 'a retired slot range is reused with its generations reset: after trim() a stale handle reads as live',
  },
  {
    id: 'retired-ranges-never-reused',
    file: 'lib/allocator/slabs.ts',
    search: 'let s = this.listHead[RETIRED + c]!',
    replace: 'let s = NONE as number',
    tests: ['pool-generations'],
    description: 'slab ranges given up by trim() are never taken again: slot indices creep toward the 2^24 limit',
  },
  {
    id: 'acquire-overtakes-waiters',
    file: 'lib/pool/pool.ts',
    search: '      if (this.#waiters.length === 0) {',
    replace: '      if (this.#waiters.length >= 0) {',
    tests: ['pool-acquire'],
    description: 'a new acquire() takes room ahead of earlier waiters that do not fit',
  },
  {
    id: 'stale-generation-unchecked',
    file: 'lib/allocator/allocator.ts',
    search: 'word >>> GEN_SHIFT !== (h & 255) || ',
    replace: '',
    tests: ['pool-refcount', 'pool-generations', 'pool-model'],
    description: "releasing a stale handle frees whoever holds its slot now",
  },
  {
    id: 'budget-off-by-one',
    file: 'lib/allocator/arena-set.ts',
    search: 'this.bytes + this.#arenaSize > this.#maxBytes',
    replace: 'this.bytes + this.#arenaSize >= this.#maxBytes',
    tests: ['pool-model', 'pool-growth'],
    description: 'the pool refuses its last arena: RIOPOOL_EXHAUSTED with room left under maxBytes',
  },
  {
    id: 'size-class-rounds-down',
    file: 'lib/allocator/allocator.ts',
    search: 'const c = classByUnits[(size + 15) >> 4]!',
    replace: 'const c = classByUnits[size >> 4]!',
    tests: ['pool-model', 'pool-lease'],
    description: 'a request is rounded down to a size class: the lease is smaller than asked and overlaps its neighbour',
  },
]
