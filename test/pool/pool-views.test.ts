// The views a pool keeps for reuse (lib/pool/views.ts): a later lease of the
// same slot and length gets the same Buffer; any other gets its own; every
// view is over its lease's bytes whatever a user did to an earlier one; the
// cache stays bounded and is dropped on trim. (A view detached by a transfer
// is in test/arenas/hostile.test.ts: an attack, so in a child process.)
import test from 'ava'
import { BufferPool } from '../../lib/index.js'
import { VIEW_CACHE_SIZE } from '../../lib/pool/views.js'
import { MiB } from '../support/doubles.js'

// The view's own state, read past anything a user defined on the object.
const typedArray = Object.getPrototypeOf(Uint8Array.prototype) as object
const intrinsic = (name: string) => Object.getOwnPropertyDescriptor(typedArray, name)!.get!
const bufferOf = intrinsic('buffer'), byteOffsetOf = intrinsic('byteOffset'), lengthOf = intrinsic('length')

function assertOver(t: { is: (a: unknown, b: unknown, m?: string) => void }, view: Buffer, arena: { buffer: Uint8Array }, offset: number, length: number): void {
  t.is(bufferOf.call(view), arena.buffer.buffer, 'over its arena')
  t.is(byteOffsetOf.call(view), arena.buffer.byteOffset + offset, 'at its offset')
  t.is(lengthOf.call(view), length, 'of its length')
}

test('a later lease of the same slot and length gets the same Buffer; another length gets its own', t => {
  const pool = new BufferPool({ arenaSize: MiB, registration: 'off' })
  const first = pool.lease(1500)
  const view = first.buffer
  const slot = first.handle >>> 8
  first.release()
  const second = pool.lease(1500)
  t.is(second.handle >>> 8, slot, 'a released slot is leased again first')
  t.is(second.buffer, view)
  t.is(pool.handles.buffer(second.handle), view, 'the handle face hands out the same view')
  second.release()
  const shorter = pool.lease(1400)
  t.is(shorter.handle >>> 8, slot)
  t.not(shorter.buffer, view)
  t.is(shorter.buffer.length, 1400)
  assertOver(t, shorter.buffer, shorter.arena, shorter.offset, 1400)
  shorter.release()
  t.throws(() => second.buffer, { code: 'RIOPOOL_RELEASED' }, 'a released lease refuses its buffer though its view is kept')
})

test('a property set on a kept view travels with it to the next tenant, but a view whose length was redefined is not handed out again', t => {
  const pool = new BufferPool({ arenaSize: MiB, registration: 'off' })
  const tagged = pool.lease(1500)
  Object.assign(tagged.buffer, { tag: 'mine' })
  tagged.release()
  const next = pool.lease(1500)
  t.is((next.buffer as Buffer & { tag?: string }).tag, 'mine', 'reuse is observable: the same object')
  next.release()
  const first = pool.lease(1500)
  const view = first.buffer
  for (const name of ['buffer', 'byteOffset', 'byteLength', 'length']) Object.defineProperty(view, name, { value: 7 })
  first.release()
  // Other slots of the class, and the one just released.
  const leases = Array.from({ length: 20 }, () => pool.lease(1500))
  for (const lease of leases) {
    assertOver(t, lease.buffer, lease.arena, lease.offset, 1500)
    lease.buffer.fill(lease.handle & 0xff)
  }
  for (const lease of leases) t.is(lease.arena.buffer[lease.offset + 1499], lease.handle & 0xff)
  t.false(leases.some(lease => lease.buffer === view))
})

test(`the cache holds at most ${VIEW_CACHE_SIZE} views, and slots sharing an entry each get a view over their own bytes`, t => {
  const pool = new BufferPool({ arenaSize: MiB, registration: 'off' })
  const count = VIEW_CACHE_SIZE + 1000
  const leases = Array.from({ length: count }, () => pool.lease(64))
  let checked = 0
  for (let round = 0; round < 2; round++) {
    for (const [k, lease] of leases.entries()) {
      const view = lease.buffer
      assertOver(t, view, lease.arena, lease.offset, 64)
      view.writeUInt32LE(k * 2 + round, 0)
      checked++
    }
    for (const [k, lease] of leases.entries()) t.is(lease.arena.buffer.readUInt32LE(lease.offset), k * 2 + round)
  }
  t.is(checked, 2 * count)
  t.is(pool.handles.views.views!.length, VIEW_CACHE_SIZE)
  for (const lease of leases) lease.release()
})

test('trim() drops the kept views; the next lease of a slot gets a new one over its bytes', t => {
  const pool = new BufferPool({ arenaSize: MiB, registration: 'off' })
  const keep = pool.lease(64) // keeps the arena open through trim()
  const first = pool.lease(1500)
  const view = first.buffer
  first.release()
  pool.trim()
  t.is(pool.handles.views.views, null)
  const second = pool.lease(1500)
  t.not(second.buffer, view)
  assertOver(t, second.buffer, second.arena, second.offset, 1500)
  second.release()
  keep.release()
})

test('an arena closing drops the kept views, which would otherwise hold its mapping', t => {
  const pool = new BufferPool({ arenaSize: MiB, registration: 'off', spareArenas: 0 })
  const lease = pool.lease(1500)
  t.is(lease.buffer.length, 1500)
  t.not(pool.handles.views.views, null)
  lease.release()
  pool.trim()
  t.is(pool.stats().arenas, 0)
  t.is(pool.handles.views.views, null)
})

test("a slot index reused in another arena at the same start gets a view over its own arena, not the kept one", t => {
  const pool = new BufferPool({ arenaSize: MiB, maxBytes: 2 * MiB, registration: 'off' })
  const size = 600 * 1024 // a huge lease: a page run, its slot record retired on release
  const [low, high] = [pool.lease(size), pool.lease(size)].sort((a, b) => Number(a.arena.address - b.arena.address))
  t.not(high!.arena, low!.arena)
  t.is(high!.offset, low!.offset)
  const kept = high!.buffer
  const slot = high!.handle >>> 8
  const [lowArena, highArena] = [low!.arena, high!.arena]
  low!.release()
  high!.release() // its record is the next a huge lease reuses
  const moved = pool.lease(size)
  t.is(moved.handle >>> 8, slot, 'the slot index of the lease in the higher arena')
  t.is(moved.arena, lowArena, 'placed in the lowest-addressed arena with room')
  t.not(moved.arena, highArena)
  t.not(moved.buffer, kept)
  assertOver(t, moved.buffer, moved.arena, moved.offset, size)
  moved.release()
})
