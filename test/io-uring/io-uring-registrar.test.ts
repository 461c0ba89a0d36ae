// IoUringRegistrar's contract: options, coded errors, one slot per arena,
// lease.bufferId / lease.address, and close() ordering. Real rings, no I/O
// (test/io-uring-io.test.ts submits SQEs). Where io_uring is missing the
// ring tests skip, and the refusal itself is tested instead (as under Wine).
import test from 'ava'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as util from 'node:util'
import { Arena, BufferPool, IoUringRegistrar, PoolError, platform } from '../../lib/index.js'
import { binding } from '../../lib/arenas/native.js'
import { uring } from '../support/uring-test.js'

const { ioUring } = platform()

test('platform().ioUring reports availability, and the reason in Node error shape when unavailable', t => {
  t.is(typeof ioUring.available, 'boolean')
  if (ioUring.available) {
    t.is(ioUring.error, undefined)
    return
  }
  const error = ioUring.error!
  t.is(util.getSystemErrorName(error.errno), error.code)
  t.is(typeof error.syscall, 'string')
  if (process.platform !== 'linux') t.deepEqual(error, { code: 'ENOTSUP', errno: error.errno, syscall: 'io_uring_setup' })
})

test('platform().ioUring is a copy the caller cannot corrupt', t => {
  const first = platform()
  first.ioUring.available = !first.ioUring.available
  t.is(platform().ioUring.available, ioUring.available)
})

;(ioUring.available ? test.skip : test)(
  `where io_uring is unavailable, create() and attach() throw the probe's coded error, never crash${ioUring.available ? ' (skipped: io_uring is available here)' : ''}`,
  t => {
    for (const make of [() => IoUringRegistrar.create(), () => IoUringRegistrar.attach(0)]) {
      const error = t.throws(make) as Error & { code: string; errno: number; syscall: string }
      t.like(error, ioUring.error!)
      t.regex(error.message, /io_uring is unavailable: .* failed with/)
    }
  })

test('options and arguments are checked first, in Node style', t => {
  const type = { code: 'ERR_INVALID_ARG_TYPE', instanceOf: TypeError }
  const range = { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError }
  t.throws(() => IoUringRegistrar.create(null as never), type)
  t.throws(() => IoUringRegistrar.create({ slots: '8' as never }), type)
  t.throws(() => IoUringRegistrar.create({ slots: 0 }), range)
  t.throws(() => IoUringRegistrar.create({ slots: 16385 }), { ...range, message: /<= 16384/ })
  t.throws(() => IoUringRegistrar.create({ entries: 1.5 }), range)
  t.throws(() => IoUringRegistrar.create({ entries: 32769 }), range)
  t.throws(() => IoUringRegistrar.attach('3' as never), type)
  t.throws(() => IoUringRegistrar.attach(-1), range)
  t.throws(() => IoUringRegistrar.attach(0, { firstSlot: 16384 }), range)
  t.throws(() => IoUringRegistrar.attach(0, { firstSlot: 16000, slots: 385 }), range)
  t.throws(() => IoUringRegistrar.attach(0, { createTable: 1 as never }), type)
})

uring('each arena of a pool takes one slot: lease.bufferId is the slot, lease.address is arena.address + offset', t => {
  const reg = IoUringRegistrar.create({ slots: 4 })
  t.true(Number.isInteger(reg.fd) && reg.fd >= 0)
  t.deepEqual([reg.firstSlot, reg.slots, reg.slotsInUse], [0, 4, 0])
  const pool = new BufferPool({ registration: reg, arenaSize: 256 * 1024 })
  const small = pool.lease(1500)
  const next = pool.lease(1500)
  t.not(next.offset, 0)
  const whole = pool.lease(256 * 1024)
  t.is(reg.slotsInUse, 2)
  t.deepEqual(new Set([small.bufferId, whole.bufferId]), new Set([0n, 1n]))
  for (const lease of [small, next, whole]) {
    t.is(lease.arena.bufferId, lease.bufferId)
    t.is(lease.arena.registration, 'custom')
    t.is(lease.address, lease.arena.address + BigInt(lease.offset))
    t.is(pool.handles.address(lease.handle), lease.address)
  }
  next.release()
  small.release()
  t.throws(() => small.address, { code: 'RIOPOOL_RELEASED' })
  t.throws(() => pool.handles.address(small.handle), { code: 'RIOPOOL_RELEASED' })
  whole.release()
  pool.trim()
  t.is(reg.slotsInUse, 0, 'a trimmed arena gives its slot back')
  reg.close()
})

uring('close() refuses with RIOPOOL_BUSY while an arena is registered, then closes the ring once; idempotent', async t => {
  const reg = IoUringRegistrar.create({ slots: 2 })
  const pool = new BufferPool({ registration: reg, arenaSize: 64 * 1024 })
  const lease = pool.lease(100)
  const error = t.throws(() => reg.close(), { instanceOf: PoolError, code: 'RIOPOOL_BUSY' })
  t.regex(error!.message, /1 arena\(s\) are still registered/)
  t.false(reg.closed)
  const closing = pool.close()
  lease.release()
  await closing
  const fd = reg.fd
  reg.close()
  reg.close()
  t.true(reg.closed)
  t.is(reg.fd, -1)
  t.throws(() => fs.fstatSync(fd), { code: 'EBADF' }, 'the ring it made is closed')
  t.throws(() => reg.register(0n, 4096), { code: 'ENXIO', message: /closed/ })
})

uring('when every slot is in use, the pool has no room: lease() throws RIOPOOL_EXHAUSTED caused by EBUSY saying what to do, tryLease() gives null, and the pool stays usable', t => {
  const reg = IoUringRegistrar.create({ slots: 2 })
  const pool = new BufferPool({ registration: reg, arenaSize: 64 * 1024 })
  const a = pool.lease(64 * 1024)
  const b = pool.lease(64 * 1024)
  const refused = t.throws(() => pool.lease(64 * 1024), { code: 'RIOPOOL_EXHAUSTED', message: /in a registered arena \(.*slots are in use/ })!
  const error = refused.cause as Error & { code: string; errno: number; syscall: string }
  t.is(error.code, 'EBUSY')
  t.is(util.getSystemErrorName(error.errno), 'EBUSY')
  t.regex(error.message, /All 2 of this registrar's fixed-buffer slots are in use .*more slots \(at most 16384\)/)
  t.is(pool.tryLease(64 * 1024), null)
  t.is(pool.handles.tryLease(64 * 1024), -1)
  t.is(reg.slotsInUse, 2)
  t.is(pool.stats().arenas, 2, 'the refused arena is gone')
  const freedSlot = a.bufferId
  a.release()
  const c = pool.lease(1000)
  t.is(c.bufferId, freedSlot, 'the emptied arena is reused, in its slot')
  c.release()
  b.release()
})

uring('acquire() at the slot limit waits, and a release in the pool serves it', async t => {
  const reg = IoUringRegistrar.create({ slots: 1 })
  const pool = new BufferPool({ registration: reg, arenaSize: 64 * 1024 })
  const whole = pool.lease(64 * 1024)
  let served = false
  const waiting = pool.acquire(64 * 1024).then(lease => { served = true; return lease })
  await new Promise(resolve => setImmediate(resolve))
  t.false(served, 'it waits rather than rejecting')
  t.is(pool.stats().waiters, 1)
  whole.release()
  const lease = await waiting
  t.is(lease.bufferId, 0n)
  lease.release()
  await pool.close()
  reg.close()
})

uring('an arena above 1 GiB is refused with ERR_OUT_OF_RANGE naming the kernel limit, before anything is pinned', t => {
  const reg = IoUringRegistrar.create({ slots: 1 })
  const pool = new BufferPool({ registration: reg, arenaSize: 2 ** 30 + 65536 })
  t.throws(() => pool.lease(100), { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError, message: /1 GiB per fixed buffer/ })
  t.is(reg.slotsInUse, 0)
  t.is(pool.stats().arenas, 0)
  t.throws(() => reg.register(1n << 40n, 2 ** 30 + 1), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => reg.register(-1n, 4096), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => reg.register(4096 as never, 4096), { code: 'ERR_INVALID_ARG_TYPE' })
  reg.close()
})

uring('register() and deregister() used directly: EFAULT for memory that is not there, checked ids', t => {
  const reg = IoUringRegistrar.create({ slots: 2 })
  t.throws(() => reg.register(4096n, 4096), { code: 'EFAULT', message: /cannot pin this memory/ })
  const arena = Arena.create(64 * 1024, { registration: 'off' })
  const id = reg.register(arena.address, arena.size)
  t.is(id, 0n)
  t.throws(() => reg.deregister(1n), { code: 'ERR_INVALID_STATE' })
  t.throws(() => reg.deregister(2n), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => reg.deregister(0 as never), { code: 'ERR_INVALID_ARG_TYPE' })
  reg.deregister(id)
  t.throws(() => reg.deregister(id), { code: 'ERR_INVALID_STATE' })
  arena.close()
  reg.close()
})

uring("attach(): another's ring, coded errors for what is not a ring, a table or a range of it", (t, helper) => {
  const file = fs.openSync(path.join(os.tmpdir(), `rbp-attach-${process.pid}`), 'w+')
  const closedFd = fs.openSync(os.devNull, 'r')
  fs.closeSync(closedFd)
  try {
    t.throws(() => IoUringRegistrar.attach(closedFd), { code: 'EBADF', message: /not an open file descriptor/ })
    t.throws(() => IoUringRegistrar.attach(file), { code: 'ENOTSUP', message: /not an io_uring file descriptor/ })
    const bare = helper.createRing(8)
    t.throws(() => IoUringRegistrar.attach(bare.fd), { code: 'ENXIO', message: /no fixed-buffer table: attach with createTable: true/ })
    const reg = IoUringRegistrar.attach(bare.fd, { firstSlot: 4, slots: 2, createTable: true })
    t.not(reg.fd, bare.fd, 'it holds a descriptor of its own')
    t.throws(() => IoUringRegistrar.attach(bare.fd, { createTable: true }), { code: 'EBUSY', message: /already has a fixed-buffer table/ })
    t.throws(() => IoUringRegistrar.attach(bare.fd, { firstSlot: 6, slots: 1 }), { code: 'EINVAL', message: /\[6, 7\) passes the end/ })
    t.throws(() => IoUringRegistrar.attach(bare.fd, { firstSlot: 5, slots: 2 }), { code: 'RIOPOOL_SLOTS_TAKEN' }, 'slot 5 is the first registrar\'s')
    const other = IoUringRegistrar.attach(bare.fd, { firstSlot: 0, slots: 4 })
    helper.closeRing(bare) // the owner lets go: the registrars' own descriptors keep the ring
    const pool = new BufferPool({ registration: reg, arenaSize: 64 * 1024 })
    const lease = pool.lease(64 * 1024)
    t.is(lease.bufferId, 4n)
    t.is(pool.lease(64 * 1024).bufferId, 5n)
    t.throws(() => pool.lease(1), { code: 'RIOPOOL_EXHAUSTED' })
    const mine = new BufferPool({ registration: other, arenaSize: 64 * 1024 }).lease(10)
    t.is(mine.bufferId, 0n)
    t.notThrows(() => reg.slotsInUse)
    other.deregister(0n) // what a finalizer would do; the pool above is abandoned
    t.pass()
  } finally {
    fs.closeSync(file)
    fs.rmSync(path.join(os.tmpdir(), `rbp-attach-${process.pid}`), { force: true })
  }
})

uring("native entry points check their handle's type tag: another addon object or a plain one throws", t => {
  const native = (binding as unknown as { ioUring: Record<string, (...args: unknown[]) => unknown> }).ioUring
  const arena = new binding.NativeArena(65536, false, false)
  for (const handle of [{}, arena, null, 1]) {
    t.throws(() => native.fill!(handle, arena.address, 4096), { code: 'ERR_INVALID_ARG_TYPE' })
    t.throws(() => native.state!(handle), { code: 'ERR_INVALID_ARG_TYPE' })
    t.throws(() => native.close!(handle), { code: 'ERR_INVALID_ARG_TYPE' })
  }
  arena.close()
})
