'use strict'
// Mutations of the shared slot protocol (lib/allocator/shared-slots.ts): the
// breaks of models/shared-slot.pml, made in the code, and a few of the
// module's own steps. Format: see native.js. `npm run test:mutants --
// slots-` runs these.
const tests = ['shared-slots', 'shared-slots-threads']

module.exports = [
  {
    id: 'slots-fast-release-ignores-pins',
    file: 'lib/allocator/shared-slots.ts',
    search: '    if ((p & (SlotWord.OWNER | SlotWord.MASK)) !== 0 || this.H[s] !== this.me) return this.releaseLast(i, c, p)\n',
    replace: '    if (this.H[s] !== this.me) return this.releaseLast(i, c, p)\n',
    tests,
    description: "the heap's fast release frees a lease other threads still pin (spin: BREAK_FAST_RELEASE)",
  },
  {
    id: 'slots-unpin-any-gen',
    file: 'lib/allocator/shared-slots.ts',
    search: '      if ((p & SlotWord.FREEING) !== 0 || p >>> SlotWord.GEN_SHIFT !== g) return false\n      const mask',
    replace: '      if ((p & SlotWord.FREEING) !== 0 || g < 0) return false\n      const mask',
    tests,
    description: 'an unpin CASes whatever generation it finds: a late reclaimer or pinner frees the next lease (spin: BREAK_UNPIN_ANY_GEN)',
  },
  {
    id: 'slots-remote-free-keeps-gen',
    file: 'lib/allocator/shared-slots.ts',
    search: 'const freeing = ((p + SlotWord.GEN_ONE) & SlotWord.GEN_MASK) | SlotWord.FREEING',
    replace: 'const freeing = (p & SlotWord.GEN_MASK) | SlotWord.FREEING',
    tests,
    description: 'a release by a thread that is not the heap keeps the generation: the stale handle works again once the slot is re-leased (spin: BREAK_NO_GEN_BUMP)',
  },
  {
    id: 'slots-first-pin-without-owner',
    file: 'lib/allocator/shared-slots.ts',
    search: ' | ((p & SlotWord.MASK) === 0 ? SlotWord.OWNER : 0)',
    replace: '',
    tests,
    description: "a first foreign pin does not mark the owner's references: its unpin frees a lease the owner still holds (spin: BREAK_NO_OWNER_BIT)",
  },
  {
    id: 'slots-takeover-keeps-empty-cache',
    file: 'lib/allocator/shared-slots.ts',
    search: '=== d) this.rebuildCache(s)',
    replace: '=== d) this.built[s] = 1',
    tests,
    description: "a dead heap's slab is taken over without rebuilding its cache from the words: its free slots are never leased again (spin: BREAK_TRUST_CACHE, in the form a private cache allows)",
  },
  {
    id: 'slots-adopt-ignores-pins',
    file: 'lib/allocator/shared-slots.ts',
    search: "    if ((p & SlotWord.MASK) !== 0) throw notAdoptable(h, 'is pinned by another thread')\n",
    replace: '',
    tests,
    description: 'adopt takes a pinned lease as if it were the only reference',
  },
  {
    id: 'slots-drain-trusts-hint',
    file: 'lib/allocator/shared-slots.ts',
    search: '    if ((p & SlotWord.FREEING) !== 0 && Atomics.compareExchange(this.P, i, p, p ^ SlotWord.FREEING) === p) this.push(i)',
    replace: '    Atomics.store(this.P, i, p & ~SlotWord.FREEING)\n    this.push(i)',
    tests,
    description: 'a drain caches every slot R names without claiming it by CAS: a stale hint puts a leased slot in the cache',
  },
  {
    id: 'slots-reclaim-leaves-orphans',
    file: 'lib/allocator/shared-slots.ts',
    search: '      if (e !== d && Atomics.load(T, e) === ThreadState.RECL + d) this.reclaim(e)\n',
    replace: '',
    tests,
    description: "reclaiming a reclaimer that died half way leaves its dead thread in RECL: once the reclaimer's index is reused, that thread is never finished",
  },
]
