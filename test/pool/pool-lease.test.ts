import test from 'ava'
import { inspect } from 'node:util'
import { BufferPool, Lease, PoolError, platform } from '../../lib/index.js'
import { MiB, countingRegistrar } from '../support/doubles.js'

test('a lease describes its place: offset, length, capacity, arena, bufferId', t => {
  const registrar = countingRegistrar()
  const pool = new BufferPool({ arenaSize: MiB, registration: registrar })
  const lease = pool.lease(1500)
  t.true(lease instanceof Lease)
  t.is(lease.length, 1500)
  t.is(lease.capacity, 1536)
  t.is(lease.refCount, 1)
  t.false(lease.released)
  t.is(lease.bufferId, lease.arena.bufferId)
  t.is(typeof lease.bufferId, 'bigint')
  t.true(lease.offset >= 0 && lease.offset + lease.capacity <= lease.arena.size)
  t.is(lease.offset % 64, 0, 'slots start 64-byte aligned')
  lease.release()
})

test('lease.buffer is exactly length bytes of the arena, zero-copy', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const lease = pool.lease(1000)
  const view = lease.buffer
  t.is(view.length, 1000)
  t.is(lease.buffer, view, 'the same Buffer on every read')
  view.fill(0x5a)
  t.is(lease.arena.buffer[lease.offset], 0x5a)
  t.is(lease.arena.buffer[lease.offset + 999], 0x5a)
  lease.arena.buffer[lease.offset + 1] = 7
  t.is(view[1], 7)
  const h = pool.handles.lease(10)
  const hv = pool.handles.buffer(h)
  t.is(hv.length, 10)
  t.is(hv.buffer, lease.arena.buffer.buffer)
  pool.handles.release(h)
  lease.release()
})

test('live leases never overlap and stay inside their arena; one arena shares one bufferId', t => {
  const pool = new BufferPool({ arenaSize: MiB, maxBytes: 8 * MiB, registration: countingRegistrar() })
  const sizes = [1, 40, 64, 65, 576, 1500, 4096, 5000, 20000, 65536, 70000, 300000]
  const leases: Lease[] = []
  for (let round = 0; round < 10; round++) for (const size of sizes) leases.push(pool.lease(size))
  const byArena = new Map<unknown, Lease[]>()
  for (const lease of leases) {
    t.true(lease.offset + lease.capacity <= lease.arena.size)
    t.true(lease.capacity >= lease.length)
    const list = byArena.get(lease.arena) ?? []
    list.push(lease)
    byArena.set(lease.arena, list)
  }
  for (const list of byArena.values()) {
    t.true(list.every(l => l.bufferId === list[0]!.bufferId))
    list.sort((a, b) => a.offset - b.offset)
    for (let k = 1; k < list.length; k++) t.true(list[k - 1]!.offset + list[k - 1]!.capacity <= list[k]!.offset)
  }
  const ids = [...byArena.keys()].map(arena => (arena as { bufferId: bigint }).bufferId)
  t.is(new Set(ids).size, ids.length, 'each arena has its own registration')
  for (const lease of leases) lease.release()
})

test('leases above 64 KiB take whole pages, up to the arena size', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const big = pool.lease(70000)
  t.is(big.capacity, 73728)
  t.is(big.offset % 4096, 0)
  const whole = pool.lease(MiB)
  t.is(whole.capacity, MiB)
  t.is(whole.offset, 0)
  t.not(whole.arena, big.arena)
  t.is(whole.buffer.length, MiB)
  big.release()
  whole.release()
})

test('toRioBuf writes BufferId u64 LE, Offset u32 LE, Length u32 LE', t => {
  const pool = new BufferPool({ arenaSize: MiB, registration: { register: () => 0x0123_4567_89ab_cdefn, deregister() {} } })
  pool.lease(64).release()
  const lease = pool.lease(1500)
  const out = lease.toRioBuf()
  t.is(out.length, 16)
  const view = new DataView(out.buffer, out.byteOffset, 16)
  t.is(view.getBigUint64(0, true), 0x0123_4567_89ab_cdefn)
  t.is(view.getUint32(8, true), lease.offset)
  t.is(view.getUint32(12, true), 1500)

  const target = Buffer.alloc(40, 0xee)
  t.is(pool.handles.toRioBuf(lease.handle, target, 20), target)
  t.deepEqual(target.subarray(20, 36), Buffer.from(out))
  t.true(target.subarray(0, 20).every(b => b === 0xee) && target.subarray(36).every(b => b === 0xee))
  lease.release()
})

test('toRioBuf of an unregistered lease carries RIO_INVALID_BUFFERID', t => {
  const pool = new BufferPool({ arenaSize: MiB, registration: 'off' })
  const lease = pool.lease(100)
  t.is(lease.bufferId, null)
  const view = new DataView(lease.toRioBuf().buffer)
  t.is(view.getBigUint64(0, true), 0xffffffffn)
  lease.release()
})

test('toRioBuf rejects a bad target or position and writes nothing', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const lease = pool.lease(100)
  const target = new Uint8Array(20)
  t.throws(() => lease.toRioBuf(target, 5), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => lease.toRioBuf(target, -1), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => lease.toRioBuf(target, 1.5), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => lease.toRioBuf(target, '0' as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => lease.toRioBuf([] as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => lease.toRioBuf(undefined, 3), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.true(target.every(b => b === 0))
  lease.release()
})

const badSizes: Array<[unknown, string]> = [
  [0, 'ERR_OUT_OF_RANGE'], [-1, 'ERR_OUT_OF_RANGE'], [1.5, 'ERR_OUT_OF_RANGE'], [NaN, 'ERR_OUT_OF_RANGE'],
  [Infinity, 'ERR_OUT_OF_RANGE'], [MiB + 1, 'ERR_OUT_OF_RANGE'], [2 ** 53, 'ERR_OUT_OF_RANGE'],
  ['64', 'ERR_INVALID_ARG_TYPE'], [64n, 'ERR_INVALID_ARG_TYPE'], [null, 'ERR_INVALID_ARG_TYPE'],
  [undefined, 'ERR_INVALID_ARG_TYPE'], [{ valueOf: () => 64 }, 'ERR_INVALID_ARG_TYPE'],
]

for (const [size, code] of badSizes) {
  test(`lease(${inspect(size)}) throws ${code} on every face and changes nothing`, async t => {
    const pool = new BufferPool({ arenaSize: MiB })
    const before = pool.stats()
    const expected = { code, instanceOf: code === 'ERR_OUT_OF_RANGE' ? RangeError : TypeError }
    t.throws(() => pool.lease(size as number), expected)
    t.throws(() => pool.tryLease(size as number), expected)
    t.throws(() => pool.handles.lease(size as number), expected)
    t.throws(() => pool.handles.tryLease(size as number), expected)
    await t.throwsAsync(pool.acquire(size as number), expected)
    t.deepEqual(pool.stats(), before)
  })
}

test('handles are non-negative small integers', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const handles = Array.from({ length: 1000 }, (_, k) => pool.handles.lease(1 + (k % 3000)))
  for (const h of handles) t.true(Number.isInteger(h) && h >= 0 && h < 2 ** 30)
  t.is(new Set(handles).size, handles.length)
  for (const h of handles) pool.handles.release(h)
})

test('the handle face and the Lease face share one state', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const H = pool.handles
  const lease = pool.lease(300)
  const h = lease.handle
  H.retain(h, 2)
  t.is(lease.refCount, 3)
  t.is(H.refCount(h), 3)
  t.is(H.offset(h), lease.offset)
  t.is(H.length(h), 300)
  t.is(H.capacity(h), lease.capacity)
  t.is(H.bufferId(h), lease.bufferId)
  t.false(lease.release(2))
  t.true(H.release(h))
  t.true(lease.released)
  t.is(lease.refCount, 0)
  t.throws(() => lease.buffer, { instanceOf: PoolError, code: 'RIOPOOL_RELEASED' })
})

test('sizes round to their class: 40 -> 48, 576 -> 640, 1500 -> 1536, 4000 -> 4096', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  for (const [asked, capacity] of [[40, 48], [576, 640], [1500, 1536], [4000, 4096], [65536, 65536]] as const) {
    const h = pool.handles.lease(asked)
    t.is(pool.handles.capacity(h), capacity)
    t.is(pool.handles.length(h), asked)
    pool.handles.release(h)
  }
})

test('registration is shared: one Registrar call per arena, not per lease', t => {
  const registrar = countingRegistrar()
  const pool = new BufferPool({ arenaSize: MiB, registration: registrar })
  const leases = Array.from({ length: 1000 }, () => pool.lease(1500)) // 672 fit in a 1 MiB arena
  t.is(registrar.registered, 2)
  t.is(pool.stats().arenas, 2)
  for (const lease of leases) lease.release()
})

test("registration 'required' fails at construction where RIO is unavailable", t => {
  if (platform().rio.available) {
    t.notThrows(() => new BufferPool({ registration: 'required' }))
    return
  }
  t.throws(() => new BufferPool({ registration: 'required' }), { instanceOf: PoolError, code: 'RIOPOOL_RIO_UNAVAILABLE' })
})

test('lease.buffer is a real Buffer over the arena, built once, and still refused after release', t => {
  const pool = new BufferPool({ arenaSize: MiB, registration: 'off' })
  const lease = pool.lease(1500)
  const buffer = lease.buffer
  t.true(Buffer.isBuffer(buffer))
  t.true(buffer instanceof Buffer)
  t.is(lease.buffer, buffer, 'the same object every time')
  t.is(buffer.length, 1500)
  t.is(buffer.buffer, lease.arena.buffer.buffer)
  t.is(buffer.byteOffset, lease.arena.buffer.byteOffset + lease.offset)
  buffer.write('hello', 'latin1')
  t.is(lease.arena.buffer.toString('latin1', lease.offset, lease.offset + 5), 'hello')
  t.true(Buffer.isBuffer(buffer.subarray(1, 3)))
  t.is(buffer.readUInt8(0), 104)
  lease.release()
  t.throws(() => lease.buffer, { code: 'RIOPOOL_RELEASED' })
})

test('toRioBuf into a Uint32Array writes four words at `at` (counted in words), the same RIO_BUF as the byte form', t => {
  const pool = new BufferPool({ arenaSize: MiB, registration: { register: () => 0x0123_4567_89ab_cdefn, deregister() {} } })
  const lease = pool.lease(1500)
  const words = new Uint32Array(10).fill(0xeeeeeeee)
  t.is(lease.toRioBuf(words, 3), words)
  t.deepEqual([...words.subarray(3, 7)], [0x89ab_cdef, 0x0123_4567, lease.offset, 1500])
  t.true(words.subarray(0, 3).every(w => w === 0xeeeeeeee) && words.subarray(7).every(w => w === 0xeeeeeeee))
  t.deepEqual(Buffer.from(words.buffer, 12, 16), Buffer.from(lease.toRioBuf()))
  for (const at of [7, -1, 1.5, 2 ** 32]) t.throws(() => lease.toRioBuf(words, at), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  for (const target of [new Uint16Array(16), new Int32Array(4), new DataView(new ArrayBuffer(16)), new Proxy(new Uint8Array(16), {})]) {
    t.throws(() => lease.toRioBuf(target as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  }
  lease.release()
})

test('toRioBufs writes count RIO_BUFs one after another, bytes or words, checking every handle before writing any', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const H = pool.handles
  const handles = Uint32Array.from([H.lease(100), H.lease(2000), H.lease(70000)])
  const bytes = new Uint8Array(16 * 4).fill(0xee)
  t.is(H.toRioBufs(handles, 3, bytes, 16), bytes)
  for (let k = 0; k < 3; k++) t.deepEqual(bytes.subarray(16 + 16 * k, 32 + 16 * k), H.toRioBuf(handles[k]!))
  t.true(bytes.subarray(0, 16).every(b => b === 0xee))
  const words = new Uint32Array(8)
  H.toRioBufs([...handles], 2, words)
  t.deepEqual(Buffer.from(words.buffer), Buffer.from(bytes.subarray(16, 48)))
  t.deepEqual(H.toRioBufs(handles, 0, new Uint8Array(0)), new Uint8Array(0))
  t.is(H.toRioBufs(handles, 2).length, 32, 'a new Uint8Array when no target is given')

  // Refused before anything is written.
  const stale = H.lease(64)
  H.release(stale)
  const target = new Uint32Array(12)
  t.throws(() => H.toRioBufs([handles[0]!, stale, handles[1]!], 3, target), { code: 'RIOPOOL_RELEASED' })
  t.throws(() => H.toRioBufs(handles, 4, target), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => H.toRioBufs(handles, 3, new Uint32Array(11)), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => H.toRioBufs(['1' as never], 1, target), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => H.toRioBufs(new Proxy([handles[0]!], {}), 1, target), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.true(target.every(w => w === 0))
  for (const h of handles) H.release(h)
})

test('toRioBufs reads each element of an Array once: a getter cannot swap in a stale handle after the check', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const H = pool.handles
  const live = H.lease(100)
  const stale = H.lease(100)
  H.release(stale)
  let reads = 0
  const tricky: number[] = []
  Object.defineProperty(tricky, 0, { get: () => (reads++ === 0 ? live : stale), enumerable: true })
  const words = new Uint32Array(4)
  H.toRioBufs(tricky, 1, words)
  t.is(reads, 1)
  t.is(words[2], H.offset(live))
  H.release(live)
})
