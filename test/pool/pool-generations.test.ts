// Slots are reused, handles must not be: generations across reuse, across
// trim() (a slab's slot range retired and taken again), and the ranges
// themselves reused, so slot indices stay bounded.
import test from 'ava'
import { BufferPool, PoolError } from '../../lib/index.js'
import { MiB } from '../support/doubles.js'

const released = { instanceOf: PoolError, code: 'RIOPOOL_RELEASED' }

test("a Lease released through its own release() stays released when its slot's generation wraps to its own handle again", t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const H = pool.handles
  const old = pool.lease(1500)
  old.release()
  // The per-class cache is LIFO: the same slot comes back, one generation on, every time.
  let alias = -1
  for (let k = 0; k < 300 && alias < 0; k++) {
    const h = H.lease(1500)
    if (h === old.handle) alias = h
    else H.release(h)
  }
  t.is(alias, old.handle, 'after 256 reuses the slot is issued under the old handle again')
  t.throws(() => old.release(), released)
  t.throws(() => old.retain(), released)
  t.is(H.refCount(alias), 1, "the new owner's lease is untouched")
  H.release(alias)
})

test('after trim() frees a slab, its slot range comes back with generations carried on: a stale handle stays stale', t => {
  const pool = new BufferPool({ arenaSize: MiB, spareArenas: 0 })
  const H = pool.handles
  const stale = H.lease(4096)
  H.release(stale)
  pool.trim()
  t.is(pool.stats().arenas, 0, 'the slab and its arena are gone')
  const fresh = H.lease(4096)
  t.is(fresh >>> 8, stale >>> 8, 'the same slot index, from the retired range')
  t.not(fresh, stale)
  t.is(H.refCount(stale), 0)
  t.throws(() => H.retain(stale), released)
  t.throws(() => H.release(stale), released)
  H.release(fresh)
})

test('retired slot ranges are reused: slot indices stay bounded over many lease/trim cycles', t => {
  const pool = new BufferPool({ arenaSize: MiB, spareArenas: 0 })
  const H = pool.handles
  let highest = 0
  for (let k = 0; k < 2000; k++) {
    const h = H.lease(64 + (k % 7) * 1000)
    highest = Math.max(highest, h >>> 8)
    H.release(h)
    pool.trim()
  }
  // Seven classes, a slab's range each: a few thousand indices at most, not 16 per cycle.
  t.true(highest < 4096, `slot index reached ${highest}`)
})
