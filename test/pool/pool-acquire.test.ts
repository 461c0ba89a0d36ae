import test from 'ava'
import { BufferPool, PoolError } from '../../lib/index.js'
import { MiB, nextTurn } from '../support/doubles.js'

function fullPool(options: object = {}): { pool: BufferPool; held: number[] } {
  const pool = new BufferPool({ arenaSize: MiB, maxBytes: MiB, ...options })
  const held = [pool.handles.lease(MiB)]
  return { pool, held }
}

test('acquire() resolves at once when there is room', async t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const lease = await pool.acquire(100)
  t.is(lease.length, 100)
  lease.release()
})

test('acquire() waits for room and serves waiters first come, first served', async t => {
  const { pool, held } = fullPool()
  const order: number[] = []
  const first = pool.acquire(4096).then(l => { order.push(1); return l })
  const second = pool.acquire(100).then(l => { order.push(2); return l })
  t.is(pool.stats().waiters, 2)
  await nextTurn()
  t.deepEqual(order, [])
  pool.handles.release(held[0]!)
  const [a, b] = await Promise.all([first, second])
  t.deepEqual(order, [1, 2])
  t.is(pool.stats().waiters, 0)
  a.release()
  b.release()
})

test('a waiter that does not fit blocks the ones behind it (no overtaking)', async t => {
  const pool = new BufferPool({ arenaSize: MiB, maxBytes: MiB })
  const quarter = Array.from({ length: 4 }, () => pool.handles.lease(MiB / 4))
  let bigServed = false
  let smallServed = false
  const big = pool.acquire(MiB).then(l => { bigServed = true; return l })
  const small = pool.acquire(10).then(l => { smallServed = true; return l })
  pool.handles.release(quarter[0]!)
  await nextTurn()
  t.false(bigServed)
  t.false(smallServed)
  for (const h of quarter.slice(1)) pool.handles.release(h)
  await nextTurn()
  await nextTurn()
  const lease = await big
  t.true(bigServed)
  lease.release()
  ;(await small).release()
})

test('acquire() beyond maxWaiters rejects RIOPOOL_EXHAUSTED', async t => {
  const { pool, held } = fullPool({ maxWaiters: 1 })
  const waiting = pool.acquire(10)
  await t.throwsAsync(pool.acquire(10), { instanceOf: PoolError, code: 'RIOPOOL_EXHAUSTED' })
  t.is(pool.stats().waiters, 1)
  pool.handles.release(held[0]!)
  ;(await waiting).release()
})

test('an aborted signal rejects with its reason and leaves the queue consistent', async t => {
  const { pool, held } = fullPool()
  const controller = new AbortController()
  const aborted = pool.acquire(10, { signal: controller.signal })
  const kept = pool.acquire(20)
  t.is(pool.stats().waiters, 2)
  const reason = new Error('gave up')
  controller.abort(reason)
  await t.throwsAsync(aborted, { is: reason })
  t.is(pool.stats().waiters, 1)
  pool.handles.release(held[0]!)
  const lease = await kept
  t.is(lease.length, 20)
  lease.release()
  t.is(await pool.acquire(10, { signal: AbortSignal.abort('early') }).catch((e: unknown) => e), 'early')
})

test('acquire() validates its options', async t => {
  const pool = new BufferPool({ arenaSize: MiB })
  await t.throwsAsync(pool.acquire(10, { signal: {} as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  await t.throwsAsync(pool.acquire(10, 5 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
})

test('aborting the waiter at the head lets the ones behind it through', async t => {
  const pool = new BufferPool({ arenaSize: MiB, maxBytes: MiB })
  const held = Array.from({ length: 15 }, () => pool.handles.lease(65536))
  const controller = new AbortController()
  const head = pool.acquire(MiB, { signal: controller.signal })
  const behind = pool.acquire(64)
  controller.abort(new Error('no longer needed'))
  await t.throwsAsync(head, { message: 'no longer needed' })
  const lease = await behind
  t.is(lease.length, 64)
  lease.release()
  for (const h of held) pool.handles.release(h)
})

test('acquire() never takes room ahead of an earlier waiter, even room that would fit it, and serves in order', async t => {
  const pool = new BufferPool({ arenaSize: MiB, maxBytes: MiB })
  const held = Array.from({ length: 3 }, () => pool.handles.lease(MiB / 4))
  const order: string[] = []
  const big = pool.acquire(MiB).then(l => { order.push('big'); return l })
  const small = pool.acquire(10).then(l => { order.push('small'); return l })
  await nextTurn()
  t.deepEqual(order, [], 'a quarter of the arena is free, yet the small request waits behind the big one')
  t.is(pool.stats().waiters, 2)
  for (const h of held) pool.handles.release(h)
  const bigLease = await big
  await nextTurn()
  t.deepEqual(order, ['big'])
  bigLease.release()
  ;(await small).release()
  t.deepEqual(order, ['big', 'small'])
})
