import test from 'ava'
import { BufferPool, PoolError } from '../../lib/index.js'
import { MiB, countingRegistrar, nextTurn } from '../support/doubles.js'

const closed = { instanceOf: PoolError, code: 'RIOPOOL_CLOSED' }

test('close() resolves at once on an idle pool and frees every arena', async t => {
  const registrar = countingRegistrar()
  const pool = new BufferPool({ arenaSize: MiB, registration: registrar })
  pool.lease(10).release()
  await pool.close()
  t.true(pool.closed)
  t.is(pool.stats().arenas, 0)
  t.is(registrar.live.size, 0)
})

test('close() stops new leases at once and rejects pending acquire()s', async t => {
  const pool = new BufferPool({ arenaSize: MiB, maxBytes: MiB })
  const held = pool.handles.lease(MiB)
  const waiting = pool.acquire(10)
  const closing = pool.close()
  await t.throwsAsync(waiting, closed)
  t.throws(() => pool.lease(10), closed)
  t.throws(() => pool.tryLease(10), closed)
  t.throws(() => pool.handles.lease(10), closed)
  t.throws(() => pool.handles.tryLease(10), closed)
  await t.throwsAsync(pool.acquire(10), closed)
  pool.handles.release(held)
  await closing
})

test('close() waits for the last lease; deregistration and freeing come after it', async t => {
  const registrar = countingRegistrar()
  const pool = new BufferPool({ arenaSize: MiB, registration: registrar })
  const lease = pool.lease(1000)
  lease.retain()
  const view = lease.buffer
  let done = false
  const closing = pool.close().then(() => { done = true })
  t.is(pool.close(), pool.close(), 'the same promise every time')
  await nextTurn()
  t.false(done)
  t.is(registrar.live.size, 1, 'still registered while a lease is out (I/O may be in flight)')
  view[0] = 1
  t.is(view[0], 1, 'and the memory is still there')
  lease.release()
  await nextTurn()
  t.false(done, 'one reference is still held')
  lease.release()
  await closing
  t.true(done)
  t.is(registrar.live.size, 0)
  t.is(view.length, 0, 'views obtained earlier are detached')
})

test('close() after everything was released through the handle face', async t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const handles = Array.from({ length: 100 }, (_, k) => pool.handles.lease(1 + k * 100))
  const closing = pool.close()
  for (const h of handles) pool.handles.release(h)
  await closing
  t.is(pool.stats().arenas, 0)
})

test('a Registrar that fails to deregister makes close() reject, keeping the arena registered', async t => {
  const pool = new BufferPool({ arenaSize: MiB, registration: { register: () => 1n, deregister: () => { throw new Error('ring busy') } } })
  pool.lease(10).release()
  await t.throwsAsync(pool.close(), { message: 'ring busy' })
  t.is(pool.stats().arenas, 1)
})
