// What a released slot holds: poison fills it with a pattern, zero clears what
// one caller wrote before another can read it, and by default nothing is
// touched (the hazard both options exist for). Through both faces.
import test from 'ava'
import { BufferPool, PoolError } from '../../lib/index.js'
import { MiB } from '../support/doubles.js'

const POISON = 0x5a

/** The slot's bytes through its arena, whoever holds it now. */
function slotBytes(pool: BufferPool, handle: number, bytes: number): Buffer {
  return pool.handles.arena(handle).buffer.subarray(pool.handles.offset(handle), pool.handles.offset(handle) + bytes)
}

test('poison: true fills the whole released slot with 0x5a, so a stale view reads garbage at once', t => {
  const pool = new BufferPool({ arenaSize: MiB, poison: true })
  const lease = pool.lease(1000)
  const whole = slotBytes(pool, lease.handle, lease.capacity)
  const stale = lease.buffer
  stale.fill(1)
  t.true(whole.subarray(1000).every(b => b === 0), 'the bytes past the length start as the OS gave them')
  lease.release()
  t.true(stale.every(b => b === POISON))
  t.true(whole.every(b => b === POISON), 'the whole capacity, not only the length')
  const h = pool.handles.lease(70000) // a page run, through the other face
  slotBytes(pool, h, 70000).fill(2)
  const run = slotBytes(pool, h, pool.handles.capacity(h))
  pool.handles.release(h)
  t.true(run.every(b => b === POISON))
})

test('poison fills only on the last release: a retained lease keeps its bytes', t => {
  const pool = new BufferPool({ arenaSize: MiB, poison: true })
  const lease = pool.lease(64).retain()
  lease.buffer.fill(3)
  const view = lease.buffer
  t.false(lease.release())
  t.true(view.every(b => b === 3))
  t.true(lease.release())
  t.true(view.every(b => b === POISON))
})

test("zero: 'on-release' clears a lease's bytes when it is freed", t => {
  const pool = new BufferPool({ arenaSize: MiB, zero: 'on-release' })
  const lease = pool.lease(1500)
  const stale = lease.buffer
  stale.fill(0xff)
  lease.release()
  t.true(stale.every(b => b === 0))
  const h = pool.handles.lease(1500)
  t.is(pool.handles.offset(h), stale.byteOffset - pool.handles.arena(h).buffer.byteOffset, 'the next lease reuses the slot')
  t.true(pool.handles.buffer(h).every(b => b === 0))
  pool.handles.release(h)
})

test("zero: 'on-lease' clears a lease's bytes when it is made, not before", t => {
  const pool = new BufferPool({ arenaSize: MiB, zero: 'on-lease' })
  const lease = pool.lease(1500)
  const offset = lease.offset
  const stale = lease.buffer
  stale.fill(0xff)
  lease.release()
  t.true(stale.every(b => b === 0xff), 'released bytes are left until the slot is leased again')
  const next = pool.lease(1400)
  t.is(next.offset, offset, 'the next lease reuses the slot')
  t.true(next.buffer.every(b => b === 0))
  t.true(stale.subarray(0, 1400).every(b => b === 0))
  next.release()
})

test("by default (zero: 'never') one caller's bytes reach the next lease of the slot: the hazard the options exist for", t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const lease = pool.lease(1500)
  lease.buffer.fill(0xab)
  lease.release()
  const next = pool.lease(1500)
  t.true(next.buffer.every(b => b === 0xab))
  next.release()
})

test('poison and zero options are validated; contradictory ones are refused', t => {
  t.throws(() => new BufferPool({ poison: 1 as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => new BufferPool({ zero: 'always' as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: /'never', 'on-release', 'on-lease'/ })
  t.throws(() => new BufferPool({ poison: true, zero: 'on-release' }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' })
  t.notThrows(() => new BufferPool({ poison: true, zero: 'on-lease' }))
})

test('leak detection options are validated', t => {
  const value = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' }
  t.throws(() => new BufferPool({ leakDetection: 'paranoid' as never }), value)
  t.throws(() => new BufferPool({ leakDetection: 'sample', sampleRate: 0 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => new BufferPool({ leakDetection: 'sample', sampleRate: 1.5 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => new BufferPool({ leakDetection: 'sample', sampleRate: NaN }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => new BufferPool({ leakDetection: 'sample', sampleRate: '1' as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => new BufferPool({ leakDetection: 'all', sampleRate: 0.5 }), value, 'sampleRate means nothing to all')
  t.throws(() => new BufferPool({ onLeak: () => {} }), value, 'onLeak with detection off would never be called')
  t.throws(() => new BufferPool({ leakDetection: 'all', onLeak: 'log' as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.notThrows(() => new BufferPool({ leakDetection: 'sample', sampleRate: 1, onLeak: () => {} }))
})

test('with every check on, leases behave as in a default pool: refcounts, stale handles, exhaustion', t => {
  const pool = new BufferPool({ arenaSize: 1 << 16, maxBytes: 1 << 16, poison: true, zero: 'on-lease', leakDetection: 'all' })
  const lease = pool.lease(100)
  lease.retain(2)
  t.is(lease.refCount, 3)
  t.false(lease.release(2))
  t.true(lease.release())
  t.throws(() => lease.release(), { instanceOf: PoolError, code: 'RIOPOOL_RELEASED' })
  t.throws(() => pool.handles.release(lease.handle), { instanceOf: PoolError, code: 'RIOPOOL_RELEASED' })
  t.throws(() => pool.lease(1 << 17), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  const held = pool.lease(4096)
  t.is(pool.tryLease(1 << 16), null, 'no room for a whole arena beside a held lease')
  t.throws(() => pool.handles.lease(1 << 16), { instanceOf: PoolError, code: 'RIOPOOL_EXHAUSTED' })
  t.deepEqual(pool.outstanding().map(o => o.handle), [held.handle])
  held.release()
})
