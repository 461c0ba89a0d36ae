import test from 'ava'
import { BufferPool, SIZE_CLASSES } from '../lib/index.js'
import { MiB } from './helpers.js'

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

test('stats() lists every size class with slab geometry', t => {
  const { classes } = new BufferPool().stats()
  t.is(classes.length, 44)
  t.true(classes.every(k => k.slabs === 0 && k.slots === 0 && k.freeSlots === 0))
})
