import test from 'ava'
import { BufferPool, SIZE_CLASSES } from '../../lib/index.js'
import { MiB } from '../support/doubles.js'

test('stats() counts what callers hold, exactly', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const a = pool.lease(40)
  const b = pool.lease(1500)
  const c = pool.lease(70000)
  const stats = pool.stats()
  t.is(stats.arenas, 1)
  t.is(stats.arenaBytes, MiB)
  t.is(stats.leasedBytes, 48 + 1536 + 73728)
  t.is(stats.requestedBytes, 40 + 1500 + 70000)
  t.is(stats.outstandingLeases, 3)
  t.is(stats.peakArenaBytes, MiB)
  t.is(stats.waiters, 0)
  for (const size of [48, 1536]) {
    const perSlab = SIZE_CLASSES.find(k => k.size === size)!.slotsPerSlab
    t.deepEqual(stats.classes.find(k => k.size === size), { size, slabs: 1, slots: perSlab, freeSlots: perSlab - 1 })
  }
  c.release()
  b.release()
  a.release()
  const after = pool.stats()
  t.is(after.leasedBytes, 0)
  t.is(after.requestedBytes, 0)
  t.is(after.outstandingLeases, 0)
  for (const k of after.classes) t.is(k.freeSlots, k.slots)
})

test('stats() lists every size class with slab geometry: one lease of a class makes one slab of slotsPerSlab slots', t => {
  const pool = new BufferPool({ arenaSize: 16 * MiB, registration: 'off' })
  const before = pool.stats().classes
  t.is(before.length, 44)
  t.deepEqual(before.map(k => k.size), SIZE_CLASSES.map(c => c.size))
  t.true(before.every(k => k.slabs === 0 && k.slots === 0 && k.freeSlots === 0))
  const held = SIZE_CLASSES.map(c => pool.handles.lease(c.size))
  const after = pool.stats().classes
  for (const [c, k] of after.entries()) {
    const geometry = SIZE_CLASSES[c]!
    t.is(k.slabs, 1, `class ${k.size}: one slab`)
    t.is(k.slots, geometry.slotsPerSlab, `class ${k.size}: ${geometry.slotsPerSlab} slots of ${geometry.pagesPerSlab} pages`)
    t.is(k.freeSlots, k.slots - 1)
    t.is(geometry.slotsPerSlab * geometry.size, geometry.pagesPerSlab * 4096, `class ${k.size}: slots tile whole pages`)
  }
  for (const h of held) pool.handles.release(h)
})

test('stats() derives leased and requested bytes from the slots: cached slots and huge runs counted exactly', t => {
  const pool = new BufferPool({ arenaSize: 4 * MiB, registration: 'off' })
  const sizes = [1, 16, 17, 48, 49, 4096, 65536, 65537, 69632, MiB, 3 * MiB + 1]
  const capacity = (n: number) => (n > 65536 ? Math.ceil(n / 4096) * 4096 : SIZE_CLASSES.find(k => k.size >= n)!.size)
  const held = sizes.map(n => pool.handles.lease(n))
  // Leased and released again: these sit in caches and must not count.
  for (let k = 0; k < 100; k++) pool.handles.release(pool.handles.lease(1 + (k * 37) % 65536))
  for (const [k, h] of held.entries()) {
    t.is(pool.handles.length(h), sizes[k]!, `length of ${sizes[k]}`)
    t.is(pool.handles.capacity(h), capacity(sizes[k]!), `capacity of ${sizes[k]}`)
    t.is(pool.handles.buffer(h).length, sizes[k]!)
  }
  const stats = pool.stats()
  t.is(stats.outstandingLeases, sizes.length)
  t.is(stats.requestedBytes, sizes.reduce((a, b) => a + b, 0))
  t.is(stats.leasedBytes, sizes.reduce((a, n) => a + capacity(n), 0))
  for (const h of held) pool.handles.release(h)
  t.is(pool.stats().leasedBytes, 0)
})
