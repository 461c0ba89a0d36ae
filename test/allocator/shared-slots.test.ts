// The shared slot protocol, one operation at a time, in one JS thread: two
// or three SharedSlots over the same words stand for threads, and a kill is
// a thread that stops between two steps (its T entry set to DEAD by hand,
// as the addon's exit store would). The multi-thread runs are in
// shared-slots-threads.test.ts.
import test from 'ava'
import {
  SharedSlots, SlotWord, ThreadState, createSharedSlotWords, NO_HEAP, type SlotWords,
} from '../../lib/allocator/shared-slots.js'

function pool(heaps: number[] = [0, 1], slabs = 2): { words: SlotWords; a: SharedSlots; b: SharedSlots; c: SharedSlots } {
  const { words } = createSharedSlotWords({ slabs, slotsPerSlab: 32, threads: 4 }, heaps)
  const [a, b, c] = [new SharedSlots(words), new SharedSlots(words), new SharedSlots(words)]
  a.attachThread()
  b.attachThread()
  c.attachThread()
  return { words, a, b, c }
}

const slot = (h: number): number => h >>> 8

test('lease and release by the heap: a fresh handle each time, no pin word touched but the generation', t => {
  const { words, a } = pool()
  const h = a.lease(100)
  t.true(h >= 0)
  t.true(a.isLive(h))
  t.is(a.lengthOf(h), 100)
  t.is(words.count[slot(h)]! & SlotWord.COUNT_MASK, 1)
  t.true(a.release(h))
  t.false(a.isLive(h))
  t.is(words.pin[slot(h)], ((h & 255) + 1) << 24, 'free word: the next generation, nothing else')
  const again = a.lease(7)
  t.is(slot(again), slot(h), 'the cache is a stack')
  t.is(again & 255, (h & 255) + 1)
  t.deepEqual(a.stats().owned, [1, 0, 0, 0])
})

test('refusals: a double release, a stale handle, a handle never issued, not a number', t => {
  const { a, b } = pool()
  const h = a.lease(1)
  t.true(a.release(h))
  t.false(a.release(h), 'double release')
  const h2 = a.lease(1)
  t.false(a.release(h), 'the previous generation of a reused slot')
  t.false(a.retain(h))
  t.false(b.retain(h))
  t.false(b.adopt(h))
  t.false(a.release(h2 + 1), 'the next generation, never issued')
  t.false(b.retain(h2 + 1), 'no pin on a generation not leased')
  t.false(a.release(-1))
  t.false(a.release(2 ** 40))
  t.false(a.release('5' as unknown as number))
  t.false(b.release(h2), 'not held by b')
  t.true(a.release(h2))
  t.false(a.release(h2))
})

test('lease refuses bad lengths and an unattached thread', t => {
  const { words, a } = pool()
  t.throws(() => a.lease(0), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => a.lease(1.5), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => a.lease('1' as unknown as number), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => new SharedSlots(words).lease(1), { code: 'ERR_INVALID_STATE' })
})

test('retain and release by the owner count n with plain stores', t => {
  const { words, a } = pool()
  const h = a.lease(5)
  t.true(a.retain(h))
  t.true(a.retain(h))
  t.is(words.count[slot(h)]! & SlotWord.COUNT_MASK, 3)
  t.true(a.release(h))
  t.true(a.release(h))
  t.true(a.isLive(h))
  t.true(a.release(h))
  t.false(a.isLive(h))
  t.false(a.release(h))
})

test('a foreign retain pins with OWNER; the owner then releases through unpin and the last pin frees', t => {
  const { words, a, b } = pool()
  const h = a.lease(5)
  const i = slot(h)
  t.true(b.retain(h))
  t.is(words.pin[i]! & (SlotWord.OWNER | SlotWord.MASK), SlotWord.OWNER | (1 << b.thread))
  t.true(b.retain(h), 'second pin: private count')
  t.true(a.release(h), 'pinned: n = 0, OWNER cleared, not freed')
  t.true(a.isLive(h))
  t.is(words.pin[i]! & (SlotWord.OWNER | SlotWord.MASK), 1 << b.thread)
  t.false(a.release(h), 'the owner holds nothing now')
  t.true(b.release(h))
  t.true(a.isLive(h))
  t.true(b.release(h), 'the last pin frees')
  t.false(a.isLive(h))
  t.false(b.release(h))
  t.is(words.pin[i]! & SlotWord.FREEING, SlotWord.FREEING, "b is not the heap: FREEING, for a's drain")
  t.not(words.remote[i >>> 5]! & (1 << (i & 31)), 0)
  t.deepEqual([a.stats().leased, a.stats().freeing], [0, 1])
})

test("the pin leaves first: the owner's release then takes the pinned path and frees", t => {
  const { words, a, b } = pool()
  const h = a.lease(5)
  t.true(b.retain(h))
  t.true(b.release(h))
  t.is(words.pin[slot(h)]! & (SlotWord.OWNER | SlotWord.MASK), SlotWord.OWNER, 'OWNER stays with an empty mask')
  t.true(a.release(h))
  t.false(a.isLive(h))
  t.is(words.pin[slot(h)]! & SlotWord.FREEING, 0, 'a is the heap: straight to its cache')
  t.is(a.lease(1) >>> 8, slot(h))
})

test('adopt moves the only reference; the adopter (not the heap) frees to FREEING, and the heap drains it on a miss', t => {
  const { words, a, b } = pool([0, NO_HEAP], 1)
  const handles: number[] = []
  for (let k = 0; k < 32; k++) handles.push(a.lease(10 + k))
  t.is(a.lease(1), -1, 'one slab, all leased, none unowned')
  t.true(b.adopt(handles[3]!))
  t.is((words.count[slot(handles[3]!)]! >>> 16) & 255, b.thread)
  t.false(a.release(handles[3]!), 'the sender gave it away')
  t.true(b.adopt(handles[3]!), 'adopting what one already owns is a no-op')
  t.true(b.release(handles[3]!))
  t.false(b.release(handles[3]!))
  t.is(a.stats().freeing, 1)
  const h = a.lease(1)
  t.is(slot(h), slot(handles[3]!), 'drained from R and claimed')
  t.is(a.stats().freeing, 0)
})

test('adopt refuses a pinned lease and one with n > 1, with RIOPOOL_NOT_ADOPTABLE, changing nothing', t => {
  const { words, a, b, c } = pool()
  const h = a.lease(5)
  t.true(c.retain(h))
  const before = [words.count[slot(h)], words.pin[slot(h)]]
  t.throws(() => b.adopt(h), { code: 'RIOPOOL_NOT_ADOPTABLE', message: /pinned/ })
  t.deepEqual([words.count[slot(h)], words.pin[slot(h)]], before)
  t.true(c.release(h))
  t.true(b.adopt(h), 'a lease once lent, its pin gone, is adoptable (OWNER with no mask)')
  t.true(b.retain(h))
  t.throws(() => c.adopt(h), { code: 'RIOPOOL_NOT_ADOPTABLE', message: /2 references/ })
  t.true(b.release(h))
  t.true(b.release(h))
  t.false(a.isLive(h))
})

test('a slab with no heap is claimed by CAS at the first miss, and its cache built from the words', t => {
  const { words, a, b } = pool([NO_HEAP, NO_HEAP])
  const h = a.lease(3)
  t.is(words.heap[0], a.thread)
  const g = b.lease(3)
  t.is(words.heap[1], b.thread)
  t.is(g >>> 8 >>> 5, 1)
  for (let k = 1; k < 32; k++) t.true(a.lease(1) >= 0)
  t.is(a.lease(1), -1)
  t.true(a.release(h))
  t.is(a.lease(1) >>> 8, slot(h))
})

test('reclaim releases a dead owner\'s references and pins, keeps what live threads hold, takes over its slab', t => {
  const { words, a, b, c } = pool([0, 1])
  const only = b.lease(1) // b owns, nobody else: freed
  const shared = b.lease(2) // b owns, c pins: survives with c
  const many = b.lease(3) // b owns twice
  t.true(b.retain(many))
  const foreign = a.lease(4) // a owns, b pins: a keeps it
  const adopted = b.lease(5) // adopted by c before b dies
  t.true(c.retain(shared))
  t.true(b.retain(foreign))
  t.true(c.adopt(adopted))
  // b half way through a fast release of a cached slot: popped, not leased
  const popped = b.lease(6)
  words.count[slot(popped)] = (255 << 16) | (((popped & 255) - 1) & 255) << 24 // as if b died between pop and store
  words.threads[b.thread] = ThreadState.DEAD
  t.is(c.reclaim(a.thread), -1, 'a is live')
  t.is(c.reclaim(b.thread), 1 + 1 + 2 + 1)
  t.is(words.threads[b.thread], ThreadState.DONE)
  t.is(c.reclaim(b.thread), -1, 'once')
  t.false(a.isLive(only))
  t.false(a.isLive(many))
  t.true(a.isLive(shared))
  t.true(a.isLive(foreign))
  t.true(a.isLive(adopted))
  t.is(words.heap[1], c.thread, "b's slab is c's now")
  const stats = c.stats()
  t.is(stats.leased, 3)
  t.deepEqual(stats.owned, [1, 0, 1, 0])
  t.deepEqual(stats.pinned, [0, 0, 1, 0])
  t.is(c.cached[1], 32 - 2, 'every free slot of the slab, the popped one included, in the new cache')
  t.true(c.release(shared))
  t.true(c.release(adopted))
  t.true(a.release(foreign))
  t.is(a.stats().leased, 0)
  t.is(a.stats().free, 64)
})

test('a reclaimer killed half way is succeeded; reclaiming the reclaimer finishes its orphan first', t => {
  const { words, a, b, c } = pool([0, 1])
  const h = b.lease(1)
  t.true(a.retain(h))
  words.threads[b.thread] = ThreadState.DEAD
  // c claims b, clears b's n, then is killed before the unpin
  words.threads[b.thread] = ThreadState.RECL + c.thread
  words.count[slot(h)] = words.count[slot(h)]! & ~SlotWord.COUNT_MASK
  t.is(a.reclaim(b.thread), -1, 'c is still live: its reclaim is its own')
  words.threads[c.thread] = ThreadState.DEAD
  t.is(a.reclaim(c.thread), 0)
  t.is(words.threads[b.thread], ThreadState.DONE, "c's orphan was finished before c's index went back")
  t.is(words.threads[c.thread], ThreadState.DONE)
  t.true(a.isLive(h))
  t.is(words.pin[slot(h)]! & (SlotWord.OWNER | SlotWord.MASK), 1 << a.thread, 'OWNER of the dead owner cleared')
  t.true(a.release(h))
  t.false(a.isLive(h))
  t.is(a.stats().leased, 0)
})

test('attachThread takes a FREE or DONE entry and refuses when every entry is taken', t => {
  const { words, a, b, c } = pool()
  const d = new SharedSlots(words)
  t.is(d.attachThread(), 3)
  t.throws(() => new SharedSlots(words).attachThread(), { code: 'RIOPOOL_EXHAUSTED' })
  t.throws(() => d.attachThread(), { code: 'ERR_INVALID_STATE' })
  words.threads[b.thread] = ThreadState.DEAD
  t.is(a.reclaim(b.thread), 0)
  t.is(new SharedSlots(words).attachThread(), b.thread, 'a DONE index is reused')
  t.is(c.thread, 2)
})

test('geometry: slabs of a power of two of at least 32 slots, at most 22 threads', t => {
  t.throws(() => createSharedSlotWords({ slabs: 1, slotsPerSlab: 48, threads: 2 }), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => createSharedSlotWords({ slabs: 1, slotsPerSlab: 16, threads: 2 }), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => createSharedSlotWords({ slabs: 1, slotsPerSlab: 32, threads: 23 }), { code: 'ERR_OUT_OF_RANGE' })
  t.notThrows(() => createSharedSlotWords({ slabs: 1, slotsPerSlab: 32, threads: 22 }))
})

test('the generation wraps after 256 frees', t => {
  const { a } = pool([0], 1)
  let h = a.lease(1)
  const first = h
  for (let k = 0; k < 256; k++) {
    t.true(a.release(h))
    h = a.lease(1)
  }
  t.is(h, first, 'the 8-bit wrap, as in one thread today')
})

test('a bit in R is only a hint: a drain caches only slots it claims from FREEING', t => {
  const { words, a, b } = pool([0], 1)
  const handles: number[] = []
  for (let k = 0; k < 32; k++) handles.push(a.lease(1))
  t.true(b.adopt(handles[5]!))
  t.true(b.release(handles[5]!))
  const leased = slot(handles[9]!)
  Atomics.or(words.remote, leased >>> 5, 1 << (leased & 31)) // a republish that came after the claim
  t.is(slot(a.lease(1)), slot(handles[5]!))
  t.is(a.lease(1), -1, 'the leased slot behind the stale bit is not cached')
  t.true(a.isLive(handles[9]!))
})

test("an unpin names its lease's generation: a reclaimer's late step does nothing to the slot's next lease (the bug spin found)", t => {
  const { words, a, b, c } = pool([0, 1])
  const h = b.lease(1)
  const i = slot(h)
  t.true(a.retain(h))
  t.true(b.release(h), "b's pinned release: n = 0, OWNER cleared")
  words.threads[b.thread] = ThreadState.DEAD
  // c would read the slot as leased by dead b, gen g, and unpin OWNER and b's bit; first a's pin goes, freeing it.
  t.true(a.release(h))
  t.false(a.isLive(h))
  t.true(c.reclaim(b.thread) >= 0)
  let next = -1
  for (let k = 0; k < 32 && slot(next) !== i; k++) next = c.lease(2)
  t.is(slot(next), i, 'the slot leased again, by its new heap')
  const before = words.pin[i]
  t.false(c.unpin(i, h & 255, true, 1 << b.thread), "the reclaimer's step, late")
  t.is(words.pin[i], before)
  t.true(c.isLive(next))
})
