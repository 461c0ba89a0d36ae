// The batch faces, for posting many receives at once: leaseMany() fills an
// array with handles and says how many, fewer only when the pool has no room;
// releaseMany() drops a reference from each, or, if any is not live (or is
// listed more often than it has references), changes nothing.
import test from 'ava'
import { Worker } from 'node:worker_threads'
import { BufferPool, PoolError } from '../../lib/index.js'
import { MiB } from '../support/doubles.js'

const released = { instanceOf: PoolError, code: 'RIOPOOL_RELEASED' }

function state(pool: BufferPool) {
  return { stats: pool.stats(), outstanding: pool.outstanding().map(o => ({ ...o, ageMs: 0 })) }
}

test('leaseMany fills a Uint32Array (or an Array) with distinct live handles of the size asked for, and returns how many', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const H = pool.handles
  const out = new Uint32Array(64)
  t.is(H.leaseMany(1500, out), 64)
  t.is(new Set(out).size, 64)
  for (const h of out) t.is(H.length(h), 1500)
  const some = new Uint32Array(10)
  t.is(H.leaseMany(100, some, 3), 3)
  t.deepEqual([...some.subarray(3)], new Array(7).fill(0), 'only count entries are written')
  const array: number[] = []
  t.is(H.leaseMany(64, array, 0), 0)
  const five = [0, 0, 0, 0, 0]
  t.is(H.leaseMany(64, five), 5)
  t.is(pool.stats().outstandingLeases, 72)
  H.releaseMany(out)
  H.releaseMany(some, 3)
  H.releaseMany(five)
  t.is(pool.stats().outstandingLeases, 0)
})

test('leaseMany at maxBytes leases what fits and returns fewer, without throwing', t => {
  const pool = new BufferPool({ arenaSize: 64 * 1024, maxBytes: 64 * 1024 })
  const out = new Uint32Array(64)
  const got = pool.handles.leaseMany(16 * 1024, out)
  t.is(got, 4)
  t.is(pool.stats().outstandingLeases, 4)
  t.is(pool.handles.leaseMany(16 * 1024, out), 0)
  pool.handles.releaseMany(out, got)
  t.is(pool.stats().outstandingLeases, 0)
})

test('leaseMany refuses bad arguments with coded errors and leases nothing', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const H = pool.handles
  const before = state(pool)
  for (const size of [0, -1, 1.5, 2 * MiB]) t.throws(() => H.leaseMany(size, new Uint32Array(4)), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => H.leaseMany('64' as never, new Uint32Array(4)), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  for (const out of [new Int32Array(4), new Uint8Array(4), {}, null, new Proxy([0], {})]) {
    t.throws(() => H.leaseMany(64, out as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  }
  for (const count of [5, -1, 0.5]) t.throws(() => H.leaseMany(64, new Uint32Array(4), count), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.deepEqual(state(pool), before)
})

test('leaseMany into an Array whose element setter throws gives every lease of the call back', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const out = [0, 0, 0]
  Object.defineProperty(out, 2, { set: () => { throw new Error('setter') } })
  t.throws(() => pool.handles.leaseMany(64, out), { message: 'setter' })
  t.is(pool.stats().outstandingLeases, 0)
})

test("leaseMany on a closing pool throws RIOPOOL_CLOSED; zero: 'on-lease' zeroes every lease it makes", async t => {
  const pool = new BufferPool({ arenaSize: MiB, zero: 'on-lease' })
  const dirty = pool.handles.lease(1500)
  pool.handles.buffer(dirty).fill(7)
  pool.handles.release(dirty)
  const out = new Uint32Array(2)
  pool.handles.leaseMany(1500, out)
  for (const h of out) t.true(pool.handles.buffer(h).every(b => b === 0))
  pool.handles.releaseMany(out)
  const closing = pool.close()
  t.throws(() => pool.handles.leaseMany(64, new Uint32Array(1)), { instanceOf: PoolError, code: 'RIOPOOL_CLOSED' })
  await closing
})

test('releaseMany drops one reference per entry, a handle listed twice two; poison fills each slot it frees', t => {
  const pool = new BufferPool({ arenaSize: MiB, poison: true })
  const H = pool.handles
  const [a, b] = [H.lease(100), H.lease(100)]
  H.retain(a)
  const view = H.buffer(b)
  H.releaseMany([a, b, a])
  t.is(H.refCount(a), 0)
  t.is(H.refCount(b), 0)
  t.true(view.every(byte => byte === 0x5a))
})

test('releaseMany with a stale handle, or a handle listed more often than it has references, throws RIOPOOL_RELEASED and changes nothing', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const H = pool.handles
  const [a, b, stale] = [H.lease(100), H.lease(2000), H.lease(100)]
  H.retain(b)
  H.release(stale)
  const before = state(pool)
  t.throws(() => H.releaseMany([a, b, stale]), released)
  t.throws(() => H.releaseMany(Uint32Array.from([a, a])), released)
  t.throws(() => H.releaseMany([b, a, b, b]), released)
  t.throws(() => H.releaseMany(['1' as never]), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => H.releaseMany([a], 2), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.deepEqual(state(pool), before)
  t.is(H.refCount(b), 2)
  H.releaseMany([a, b, b])
  t.is(pool.stats().outstandingLeases, 0)
})

for (const poison of [false, true]) {
  test(`leaseMany gives back every lease it made when the OS refuses a new arena (${poison ? 'with poison, per lease' : 'straight from the cache'})`, t => {
    let opened = 0
    const failing = {
      register: () => {
        if (++opened > 1) throw Object.assign(new Error('out of locked memory'), { code: 'ENOMEM' })
        return BigInt(opened)
      },
      deregister: () => {},
    }
    const pool = new BufferPool({ arenaSize: 64 * 1024, registration: failing, poison })
    const out = new Uint32Array(64) // 16 KiB each: the first arena holds 4
    t.throws(() => pool.handles.leaseMany(16 * 1024, out), { code: 'ENOMEM' })
    t.is(pool.stats().outstandingLeases, 0)
    t.is(pool.handles.leaseMany(16 * 1024, out, 4), 4, 'the first arena is whole again')
    pool.handles.releaseMany(out, 4)
  })
}

test('releaseMany and toRioBufs of a sparse Array of length 2^32 - 1 throw ERR_INVALID_ARG_TYPE for its first hole, allocating nothing for its length first', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const H = pool.handles
  const h = H.lease(100)
  const sparse: number[] = [h]
  sparse.length = 2 ** 32 - 1
  const hole = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /handles\[1\]/ }
  t.throws(() => H.releaseMany(sparse), hole)
  t.throws(() => H.toRioBufs(sparse), hole)
  t.is(H.refCount(h), 1)
  const dense = Array.from({ length: 3000 }, () => H.lease(64))
  H.toRioBufs(dense)
  H.releaseMany(dense)
  t.is(H.refCount(h), 1, 'a batch copied in growing parts reads every element')
  H.release(h)
  t.is(pool.stats().outstandingLeases, 0)
})

test('leaseMany into an Array whose element setter releases a handle it was given, then a later setter throws: the call gives back every lease still live and rethrows the setter\'s error', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const H = pool.handles
  const out: number[] = []
  Object.defineProperty(out, 0, { set(h: number) { H.release(h) }, configurable: true })
  Object.defineProperty(out, 1, { set() { throw new Error('setter') }, configurable: true })
  out.length = 3
  t.throws(() => H.leaseMany(100, out), { message: 'setter' })
  t.is(pool.stats().outstandingLeases, 0, 'no lease lost')
})

test('releaseMany and toRioBufs over a SharedArrayBuffer another thread writes while the call runs: each handle is read once, so no slot is freed twice or leased to two', async t => {
  const pool = new BufferPool({ arenaSize: 4 * MiB, registration: 'off' })
  const H = pool.handles
  const N = 1001
  const shared = new Uint32Array(new SharedArrayBuffer(4 * N))
  const control = new Int32Array(new SharedArrayBuffer(12))
  // The worker flips shared[0] between control[1] and control[2] until control[0] is set.
  const worker = new Worker(`const { workerData: [s, c] } = require('node:worker_threads')
    const a = new Uint32Array(s), control = new Int32Array(c)
    Atomics.store(control, 0, 2)
    while (Atomics.load(control, 0) === 2) { a[0] = Atomics.load(control, 1); a[0] = Atomics.load(control, 2) }`,
  { eval: true, workerData: [shared.buffer, control.buffer] })
  try {
    while (Atomics.load(control, 0) !== 2) await new Promise(resolve => setTimeout(resolve, 5))
    const rioBufs = new Uint32Array(4 * N)
    const deadline = Date.now() + 3000
    for (let round = 0; round < 300 && Date.now() < deadline; round++) {
      const live = H.lease(100)
      const freed = H.lease(100)
      H.release(freed)
      // freed's slot waits in the cache; this is the handle it would have if it were live.
      Atomics.store(control, 1, live)
      Atomics.store(control, 2, (freed >>> 8) * 256 + (((freed & 255) + 1) & 255))
      for (let k = 1; k < N; k++) shared[k] = H.lease(3000)
      try {
        H.toRioBufs(shared, N, rioBufs)
      } catch (error) {
        t.is((error as PoolError).code, 'RIOPOOL_RELEASED')
      }
      try {
        H.releaseMany(shared)
      } catch (error) {
        t.is((error as PoolError).code, 'RIOPOOL_RELEASED')
        H.releaseMany(shared.subarray(1))
        H.release(live)
      }
      const got = new Uint32Array(300)
      const n = H.leaseMany(100, got)
      t.is(new Set(got.subarray(0, n).map(h => h >>> 8)).size, n, `round ${round}: a slot leased twice`)
      H.releaseMany(got, n)
      t.is(pool.stats().outstandingLeases, 0, `round ${round}`)
    }
  } finally {
    Atomics.store(control, 0, 1)
    await worker.terminate()
  }
})

test('releaseMany while a waiter is served by its frees: a Registrar that writes the caller\'s Uint32Array when the waiter\'s lease opens an arena changes nothing the call checked (every handle released, none other)', async t => {
  let registered = 0
  let busy = true
  let batch: Uint32Array | undefined
  const registrar = {
    register() {
      if (registered === 1 && busy) {
        busy = false
        throw Object.assign(new Error('table full'), { code: 'EBUSY' })
      }
      if (batch !== undefined) batch[1] = 12345
      return BigInt(++registered)
    },
    deregister() {},
  }
  const pool = new BufferPool({ arenaSize: 64 * 1024, maxBytes: 128 * 1024, registration: registrar })
  const H = pool.handles
  const [a, b, c, d] = [H.lease(16384), H.lease(16384), H.lease(16384), H.lease(16384)]
  const waiting = pool.acquire(32768) // no room in the arena, and the Registrar has none for another: it waits
  batch = Uint32Array.from([a, b])
  H.releaseMany(batch) // a's free serves the waiter, whose lease opens the second arena
  t.is(H.refCount(a), 0)
  t.is(H.refCount(b), 0)
  const lease = await waiting
  t.is(lease.length, 32768)
  lease.release()
  H.releaseMany([c, d])
  t.is(pool.stats().outstandingLeases, 0)
})

// A Registrar runs (the refill opening an arena) while `out` holds the
// leases made so far: leaseMany keeps its own record of them to give back.
test('leaseMany when the OS refuses a new arena after a Registrar overwrote `out`: the give-back releases only what the call leased', t => {
  let opened = 0
  let out: Uint32Array | undefined
  let other = -1
  const registrar = {
    register() {
      if (++opened > 1) {
        out![0] = other
        throw Object.assign(new Error('out of locked memory'), { code: 'ENOMEM' })
      }
      return BigInt(opened)
    },
    deregister() {},
  }
  const pool = new BufferPool({ arenaSize: 64 * 1024, registration: registrar })
  const H = pool.handles
  other = H.lease(16 * 1024)
  out = new Uint32Array(8)
  t.throws(() => H.leaseMany(16 * 1024, out!), { code: 'ENOMEM' })
  t.is(H.refCount(other), 1, 'the lease the Registrar named is still live')
  t.is(pool.stats().outstandingLeases, 1, 'nothing the call leased is left')
})
