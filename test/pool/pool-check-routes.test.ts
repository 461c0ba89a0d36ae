// A pool's checks hold however a lease or release is reached: the faces'
// methods, the prototypes' methods called on a pool's objects, detached
// methods, a subclass's super call, acquire(). Each route is tried on a slot
// the previous tenant left dirty, so a bypassed check shows as its bytes.
import test from 'ava'
import { BufferPool, Handles, Lease } from '../../lib/index.js'
import { MiB } from '../support/doubles.js'

const POISON = 0x5a
const DIRT = 0xee
const SIZE = 1500

/** The slot's bytes through its arena, whoever holds it now. */
function slotBytes(pool: BufferPool, handle: number, bytes: number): Buffer {
  return pool.handles.arena(handle).buffer.subarray(pool.handles.offset(handle), pool.handles.offset(handle) + bytes)
}

/** Leaves a dirty slot at the head of the size class's cache; returns its offset. */
function dirtySlot(pool: BufferPool): number {
  const h = pool.handles.lease(SIZE)
  const offset = pool.handles.offset(h)
  slotBytes(pool, h, pool.handles.capacity(h)).fill(DIRT)
  pool.handles.release(h)
  // 'on-lease' zeroes only on lease: the slot stays dirty until then.
  return offset
}

type LeaseRoute = (pool: BufferPool) => number

class CountingPool extends BufferPool {
  calls = 0
  override lease(size: number): Lease {
    this.calls++
    return super.lease(size)
  }
}

const leaseRoutes: Record<string, LeaseRoute> = {
  'pool.lease()': pool => pool.lease(SIZE).handle,
  'BufferPool.prototype.lease.call(pool)': pool => BufferPool.prototype.lease.call(pool, SIZE).handle,
  'a detached pool.lease': pool => { const { lease } = pool; return lease.call(pool, SIZE).handle },
  'BufferPool.prototype.tryLease.call(pool)': pool => BufferPool.prototype.tryLease.call(pool, SIZE)!.handle,
  'pool.handles.lease()': pool => pool.handles.lease(SIZE),
  'Handles.prototype.lease.call(pool.handles)': pool => Handles.prototype.lease.call(pool.handles, SIZE),
  'Handles.prototype.tryLease.call(pool.handles)': pool => Handles.prototype.tryLease.call(pool.handles, SIZE),
}

for (const [route, lease] of Object.entries(leaseRoutes)) {
  test(`zero: 'on-lease' zeroes a dirty slot leased through ${route}`, t => {
    const pool = new BufferPool({ arenaSize: MiB, zero: 'on-lease' })
    const offset = dirtySlot(pool)
    const h = lease(pool)
    t.is(pool.handles.offset(h), offset, 'the dirty slot was reused')
    t.true(slotBytes(pool, h, SIZE).every(b => b === 0))
    t.is(slotBytes(pool, h, pool.handles.capacity(h))[SIZE], DIRT, 'only the length is zeroed')
  })
}

test("zero: 'on-lease' zeroes a dirty slot that acquire() resolves with", async t => {
  const pool = new BufferPool({ arenaSize: MiB, zero: 'on-lease' })
  const offset = dirtySlot(pool)
  const lease = await BufferPool.prototype.acquire.call(pool, SIZE)
  t.is(lease.offset, offset)
  t.true(lease.buffer.every(b => b === 0))
})

test("a subclass's lease() override is called, and its super.lease() zeroes", t => {
  const pool = new CountingPool({ arenaSize: MiB, zero: 'on-lease' })
  const offset = dirtySlot(pool)
  const lease = pool.lease(SIZE)
  t.is(pool.calls, 1)
  t.is(lease.offset, offset)
  t.true(lease.buffer.every(b => b === 0))
})

type ReleaseRoute = (pool: BufferPool, lease: Lease) => void

const releaseRoutes: Record<string, ReleaseRoute> = {
  'lease.release()': (_pool, lease) => { lease.release() },
  'Lease.prototype.release.call(lease)': (_pool, lease) => { Lease.prototype.release.call(lease) },
  'a detached lease.release': (_pool, lease) => { const { release } = lease; release.call(lease) },
  'lease.release(2) after a retain': (_pool, lease) => { lease.retain(); lease.release(2) },
  'pool.handles.release(h)': (pool, lease) => { pool.handles.release(lease.handle) },
  'Handles.prototype.release.call(pool.handles, h)': (pool, lease) => { Handles.prototype.release.call(pool.handles, lease.handle) },
}

for (const [route, release] of Object.entries(releaseRoutes)) {
  test(`poison: true fills a slot released through ${route}`, t => {
    const pool = new BufferPool({ arenaSize: MiB, poison: true })
    const lease = pool.lease(SIZE)
    const whole = slotBytes(pool, lease.handle, lease.capacity)
    whole.fill(1)
    release(pool, lease)
    t.true(whole.every(b => b === POISON))
  })

  test(`zero: 'on-release' clears a slot released through ${route}`, t => {
    const pool = new BufferPool({ arenaSize: MiB, zero: 'on-release' })
    const lease = pool.lease(SIZE)
    const whole = slotBytes(pool, lease.handle, lease.capacity)
    whole.fill(1)
    release(pool, lease)
    t.true(whole.subarray(0, SIZE).every(b => b === 0))
  })
}

test('a default pool still leases and releases through every route', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  for (const lease of Object.values(leaseRoutes)) pool.handles.release(lease(pool))
  for (const release of Object.values(releaseRoutes)) release(pool, pool.lease(SIZE))
  t.is(pool.stats().outstandingLeases, 0)
})
