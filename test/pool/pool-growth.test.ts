import test from 'ava'
import { BufferPool, PoolError, platform } from '../../lib/index.js'
import { MiB, countingRegistrar, nextTurn } from '../support/doubles.js'

test('the pool grows an arena at a time up to maxBytes, then lease() throws RIOPOOL_EXHAUSTED', t => {
  const registrar = countingRegistrar()
  const pool = new BufferPool({ arenaSize: MiB, maxBytes: 3 * MiB, registration: registrar })
  const held: number[] = []
  for (;;) {
    const h = pool.handles.tryLease(65536)
    if (h < 0) break
    held.push(h)
  }
  t.is(held.length, 48)
  t.is(pool.stats().arenas, 3)
  t.is(registrar.registered, 3)
  const error = t.throws(() => pool.lease(65536), { instanceOf: PoolError, code: 'RIOPOOL_EXHAUSTED' })
  t.regex(error!.message, /maxBytes/)
  t.throws(() => pool.handles.lease(1), { instanceOf: PoolError, code: 'RIOPOOL_EXHAUSTED' })
  t.is(pool.tryLease(1), null)
  t.is(pool.handles.tryLease(1), -1)
  t.is(pool.stats().outstandingLeases, 48)
  for (const h of held) pool.handles.release(h)
})

test('empty arenas are deregistered and freed off the hot path, keeping spareArenas', async t => {
  const registrar = countingRegistrar()
  const pool = new BufferPool({ arenaSize: MiB, maxBytes: 8 * MiB, spareArenas: 1, registration: registrar })
  const leases = Array.from({ length: 3000 }, () => pool.lease(1500))
  const arenas = pool.stats().arenas
  t.is(arenas, 5)
  for (const lease of leases) lease.release()
  t.is(pool.stats().arenas, arenas, 'release() itself frees nothing')
  await nextTurn()
  t.is(pool.stats().arenas, 1)
  t.is(pool.stats().arenaBytes, MiB)
  t.is(registrar.live.size, 1)
  t.is(registrar.deregistered, 4)
})

test('an arena that empties while others are busy is freed too', async t => {
  const pool = new BufferPool({ arenaSize: MiB, spareArenas: 0 })
  const first = Array.from({ length: 16 }, () => pool.lease(65536))
  const second = Array.from({ length: 16 }, () => pool.lease(65536))
  t.is(pool.stats().arenas, 2)
  t.not(first[0]!.arena, second[0]!.arena)
  const doomed = second[0]!.arena
  for (const lease of second) lease.release()
  await nextTurn()
  t.is(pool.stats().arenas, 1)
  t.true(doomed.closed)
  t.false(first[0]!.arena.closed)
  for (const lease of first) lease.release()
})

test('trim() frees every empty arena now, spares included', t => {
  const registrar = countingRegistrar()
  const pool = new BufferPool({ arenaSize: MiB, spareArenas: 4, registration: registrar })
  for (const lease of Array.from({ length: 2000 }, () => pool.lease(1500))) lease.release()
  const busy = pool.lease(10)
  pool.trim()
  t.is(pool.stats().arenas, 1, 'only the arena holding a lease stays')
  busy.release()
  pool.trim()
  t.is(pool.stats().arenas, 0)
  t.is(registrar.live.size, 0)
  pool.lease(10).release()
  t.is(pool.stats().arenas, 1, 'and the pool grows again on demand')
})

test('arena.refs counts the leases inside it, and the arena refuses to close while any remain', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const leases = Array.from({ length: 10 }, () => pool.lease(1000))
  const arena = leases[0]!.arena
  t.is(arena.refs, 10)
  t.throws(() => arena.close(), { instanceOf: PoolError, code: 'RIOPOOL_BUSY' })
  leases[0]!.retain()
  leases[0]!.release()
  t.is(arena.refs, 10, 'counts leases, not references')
  for (const lease of leases) lease.release()
  t.is(arena.refs, 0)
})

test('pool options are validated', t => {
  const bad: Array<[object, string]> = [
    [{ arenaSize: 0 }, 'ERR_OUT_OF_RANGE'], [{ arenaSize: '1' }, 'ERR_INVALID_ARG_TYPE'], [{ arenaSize: 2 ** 33 }, 'ERR_OUT_OF_RANGE'],
    [{ arenaSize: MiB, maxBytes: MiB - 1 }, 'ERR_OUT_OF_RANGE'], [{ maxBytes: 2 ** 40 }, 'ERR_OUT_OF_RANGE'], [{ maxBytes: 'lots' }, 'ERR_INVALID_ARG_TYPE'],
    [{ spareArenas: -1 }, 'ERR_OUT_OF_RANGE'], [{ spareArenas: 0.5 }, 'ERR_OUT_OF_RANGE'], [{ spareArenas: null }, 'ERR_INVALID_ARG_TYPE'],
    [{ maxWaiters: -1 }, 'ERR_OUT_OF_RANGE'], [{ maxWaiters: '2' }, 'ERR_INVALID_ARG_TYPE'],
    [{ registration: 'sometimes' }, 'ERR_INVALID_ARG_VALUE'], [{ lock: 'yes' }, 'ERR_INVALID_ARG_TYPE'], [{ largePages: 1 }, 'ERR_INVALID_ARG_TYPE'],
  ]
  // Below 64 KiB after rounding: possible only where the granularity is smaller (not Windows).
  if (platform().allocationGranularity < 65536) bad.push([{ arenaSize: 32768 }, 'ERR_OUT_OF_RANGE'], [{ arenaSize: 65536 - 4096 }, 'ERR_OUT_OF_RANGE'])
  for (const [options, code] of bad) t.throws(() => new BufferPool(options as never), { code }, JSON.stringify(options))
  t.throws(() => new BufferPool('big' as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.notThrows(() => new BufferPool({ maxWaiters: Infinity, spareArenas: 0 }))
})

test('the smallest arena (64 KiB) serves every size class', t => {
  const pool = new BufferPool({ arenaSize: 65536, maxBytes: 65536 })
  for (const { size } of pool.stats().classes) {
    const lease = pool.lease(size)
    t.is(lease.capacity, size)
    lease.release()
    pool.trim()
  }
  t.throws(() => pool.lease(65537), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
})

test('arena size is rounded as Arena rounds it', t => {
  const pool = new BufferPool({ arenaSize: 100_000 })
  const lease = pool.lease(10)
  t.is(lease.arena.size % 4096, 0)
  t.true(lease.arena.size >= 100_000)
  lease.release()
})

test('arenas a pool owns refuse to be closed or ref()ed from outside', async t => {
  const registrar = countingRegistrar()
  const pool = new BufferPool({ arenaSize: MiB, registration: registrar })
  const lease = pool.lease(100)
  const arena = lease.arena
  lease.release()
  await nextTurn() // the arena is now an idle spare
  t.throws(() => arena.close(), { instanceOf: PoolError, code: 'RIOPOOL_BUSY' })
  t.throws(() => arena.ref(), { code: 'ERR_INVALID_STATE' })
  t.false(arena.closed)
  const again = pool.lease(100)
  t.is(again.arena, arena)
  t.is(again.buffer.length, 100)
  again.release()
  await pool.close()
  t.true(arena.closed)
  t.is(arena.refs, 0)
  t.is(registrar.live.size, 0)
})

test('freed slabs and cached slots are reclaimed before the pool reports exhaustion', t => {
  const pool = new BufferPool({ arenaSize: 65536, maxBytes: 65536 })
  const small = Array.from({ length: 1024 }, () => pool.handles.lease(64))
  for (const h of small.slice(1)) pool.handles.release(h)
  // The 64-byte slabs (32 KiB each) filled the arena; one lease still pins the
  // first, the second is wholly free but was the class's current slab.
  const big = pool.handles.lease(30000)
  t.is(pool.handles.capacity(big), 32768)
  pool.handles.release(big)
  pool.handles.release(small[0]!)
})

test('a closed arena does not report the lease count of the arena that took its place', async t => {
  const pool = new BufferPool({ arenaSize: MiB, spareArenas: 0 })
  const first = pool.lease(100)
  const old = first.arena
  first.release()
  await nextTurn()
  t.true(old.closed)
  const next = pool.lease(100)
  t.not(next.arena, old)
  t.is(old.refs, 0)
  t.is(next.arena.refs, 1)
  next.release()
})

test('trim() frees the other empty arenas when one Registrar deregister fails, then reports it', t => {
  let failOnce = true
  const registrar = countingRegistrar()
  const flaky = {
    register: registrar.register,
    deregister(id: bigint) {
      if (failOnce) {
        failOnce = false
        throw new Error('busy ring')
      }
      registrar.deregister(id)
    },
  }
  const pool = new BufferPool({ arenaSize: 65536, spareArenas: 0, registration: flaky })
  const leases = Array.from({ length: 3 }, () => pool.lease(65536))
  for (const lease of leases) lease.release()
  t.throws(() => pool.trim(), { message: 'busy ring' })
  t.is(pool.stats().arenas, 1)
  pool.trim()
  t.is(pool.stats().arenas, 0)
  t.is(registrar.live.size, 0)
})
