import test from 'ava'
import { BufferPool, Handles, Lease, PoolError } from '../../lib/index.js'
import { MiB } from '../support/doubles.js'

const released = { instanceOf: PoolError, code: 'RIOPOOL_RELEASED' }

test('refCount starts at 1; retain and release move it; the last release frees', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const lease = pool.lease(100)
  t.is(lease.retain(), lease)
  lease.retain(3)
  t.is(lease.refCount, 5)
  t.false(lease.release(4))
  t.is(lease.refCount, 1)
  t.true(lease.release())
  t.true(lease.released)
  t.is(pool.stats().outstandingLeases, 0)
})

test('after the final release every use throws RIOPOOL_RELEASED and changes nothing', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const lease = pool.lease(100)
  lease.release()
  const before = pool.stats()
  t.throws(() => lease.release(), released)
  t.throws(() => lease.retain(), released)
  t.throws(() => lease.buffer, released)
  t.throws(() => lease.offset, released)
  t.throws(() => lease.toRioBuf(), released)
  t.throws(() => pool.handles.release(lease.handle), released)
  t.throws(() => pool.handles.retain(lease.handle), released)
  t.throws(() => pool.handles.buffer(lease.handle), released)
  t.is(pool.handles.refCount(lease.handle), 0)
  t.deepEqual(pool.stats(), before)
})

test('releasing more references than held throws RIOPOOL_RELEASED and changes nothing', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const lease = pool.lease(100)
  lease.retain()
  t.throws(() => lease.release(3), released)
  t.throws(() => pool.handles.release(lease.handle, 3), released)
  t.is(lease.refCount, 2)
  t.true(lease.release(2))
})

test('a stale handle is caught after its slot is reused, for at least 255 reuses', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const H = pool.handles
  const first = H.lease(1500)
  const offset = H.offset(first)
  H.release(first)
  let reused = 0
  const stale: number[] = [first]
  for (let k = 0; k < 255; k++) {
    const h = H.lease(1500)
    if (H.offset(h) === offset && h >>> 8 === first >>> 8) reused++
    for (const old of stale) {
      if (old === h) t.fail(`handle ${h} issued twice within 255 reuses`)
    }
    t.throws(() => H.release(first), released)
    stale.push(h)
    H.release(h)
  }
  t.is(reused, 255, 'the same slot came back every time (LIFO cache)')
  t.is(H.refCount(first), 0)
})

test('a Lease object stays released forever, however often its slot is reused', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const lease = pool.lease(1500)
  lease.release()
  for (let k = 0; k < 600; k++) pool.handles.release(pool.handles.lease(1500))
  const reuse = pool.lease(1500)
  t.true(lease.released)
  t.throws(() => lease.release(), released)
  t.false(reuse.released)
  reuse.release()
})

test('handles that were never issued, or are not numbers, are rejected', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const H = pool.handles
  for (const h of [-1, 1.5, 2 ** 40, NaN, 12345678, 0]) t.throws(() => H.release(h), released)
  for (const h of ['0', null, undefined, {}, 0n]) t.throws(() => H.release(h as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
})

test('numbers naming the slot indices below the first slot (where the per-class caches live) are never live handles', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const H = pool.handles
  const held = [H.lease(16)]
  const first = held[0]! >>> 8 // the lowest slot index issued
  // Caches holding one slot (the count word is 1) and many (slot indices in their words).
  for (const size of [16, 64, 100, 1500, 4096, 30000]) {
    const leases = Array.from({ length: 33 }, () => H.lease(size))
    H.release(leases.pop()!)
    held.push(...leases, H.lease(size), H.lease(size))
    H.release(held.pop()!)
  }
  const before = pool.stats()
  let live = 0
  for (let i = 0; i < first; i++) for (let gen = 0; gen < 256; gen++) if (H.refCount(i * 256 + gen) !== 0) live++
  t.is(live, 0)
  for (let i = 0; i < first; i++) {
    t.throws(() => H.release(i * 256), released)
    t.throws(() => H.retain(i * 256), released)
  }
  t.deepEqual(pool.stats(), before)
  for (const h of held) H.release(h)
})

test('reference counts must be positive integers and cannot overflow', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const lease = pool.lease(10)
  for (const n of [0, -1, 1.5, NaN, 2 ** 31]) {
    t.throws(() => lease.retain(n), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
    t.throws(() => lease.release(n), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  }
  t.throws(() => lease.retain('1' as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  lease.retain(2 ** 31 - 2)
  t.is(lease.refCount, 2 ** 31 - 1)
  t.throws(() => lease.retain(), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.is(lease.refCount, 2 ** 31 - 1)
  t.true(lease.release(2 ** 31 - 1))
})

test('a view taken before release still points at the slot (documented), a view taken after throws', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const lease = pool.lease(10)
  const early = lease.buffer
  lease.release()
  t.is(early.length, 10)
  t.throws(() => lease.buffer, released)
})

test('a Lease notices a release made through pool.handles', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const lease = pool.lease(100)
  void lease.buffer
  pool.handles.release(lease.handle)
  const other = pool.lease(100)
  t.throws(() => lease.buffer, released)
  t.throws(() => lease.release(), released)
  t.true(lease.released)
  t.false(other.released)
  other.release()
})

// Every member of both faces that names a lease, enumerated from the
// prototypes so that a new one is covered (or named here as exempt).
const NEVER_THROWS = new Set(['refCount', 'released', 'handle', 'length', 'constructor'])
const HANDLE_FREE = new Set(['constructor', 'lease', 'tryLease', 'leaseMany'])
const BATCH_MEMBERS = new Set(['toRioBufs', 'releaseMany'])

function leaseMembers(): string[] {
  return Object.getOwnPropertyNames(Lease.prototype).filter(name => !NEVER_THROWS.has(name))
}

function handleMembers(): string[] {
  return Object.getOwnPropertyNames(Handles.prototype).filter(name => !HANDLE_FREE.has(name) && name !== 'refCount')
}

function useLease(lease: Lease, name: string): unknown {
  const member = Object.getOwnPropertyDescriptor(Lease.prototype, name)!
  return member.get ? member.get.call(lease) : (member.value as (...args: unknown[]) => unknown).call(lease)
}

const ENDINGS: Record<string, (pool: BufferPool, lease: Lease) => void> = {
  'its own release()': (_pool, lease) => { lease.release() },
  'pool.handles.release()': (pool, lease) => { pool.handles.release(lease.handle) },
  'release(n) after retain(n - 1)': (_pool, lease) => { lease.retain(2); lease.release(3) },
  'handles.release(h, n) after retain': (pool, lease) => { pool.handles.retain(lease.handle, 4); pool.handles.release(lease.handle, 5) },
}

for (const [poolKind, options] of [['a default pool', {}], ['a pool with every check on', { poison: true, zero: 'on-lease', leakDetection: 'all' }]] as const) {
  for (const [ending, end] of Object.entries(ENDINGS)) {
    test(`in ${poolKind}, after a final release through ${ending}, every member of both faces throws RIOPOOL_RELEASED and changes nothing`, t => {
      const pool = new BufferPool({ arenaSize: MiB, ...options })
      const lease = pool.lease(100)
      end(pool, lease)
      // The slot's next owner, whose bytes and references must stay untouched.
      const next = pool.lease(100)
      next.buffer.fill(9)
      const before = { stats: pool.stats(), outstanding: pool.outstanding().map(o => ({ ...o, ageMs: 0 })) }
      let tried = 0
      for (const name of leaseMembers()) {
        t.throws(() => useLease(lease, name), released, `lease.${name}`)
        tried++
      }
      for (const name of handleMembers()) {
        const member = (pool.handles as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!
        // Batch members take an array of handles and a count.
        const args = BATCH_MEMBERS.has(name) ? [[lease.handle], 1] : [lease.handle]
        t.throws(() => member.apply(pool.handles, args), released, `handles.${name}`)
        tried++
      }
      t.is(lease.refCount, 0)
      t.true(lease.released)
      t.is(pool.handles.refCount(lease.handle), 0)
      t.deepEqual({ stats: pool.stats(), outstanding: pool.outstanding().map(o => ({ ...o, ageMs: 0 })) }, before)
      t.true(next.buffer.every(b => b === 9))
      t.is(next.refCount, 1)
      t.true(tried >= 17, `${tried} members tried`)
      next.release()
    })
  }
}
