// Where slabs go: the lowest-addressed arena with room, the fullest partial
// slab first, so that after a burst drains the high arenas empty and go.
import test from 'ava'
import { BufferPool, type Lease } from '../../lib/index.js'
import { MiB, nextTurn } from '../support/doubles.js'

function byAddress(leases: Lease[]): bigint[] {
  return [...new Set(leases.map(l => l.arena.address))].sort((a, b) => (a < b ? -1 : 1))
}

test('a new slab goes to the lowest-addressed arena with room, not the newest', t => {
  const pool = new BufferPool({ arenaSize: MiB, spareArenas: 8, registration: 'off' })
  const burst = Array.from({ length: 48 }, () => pool.lease(65536)) // 3 arenas of 16 slabs each
  const addresses = byAddress(burst)
  t.is(addresses.length, 3)
  // Free one 64 KiB slab in the lowest and one in the highest arena.
  const low = burst.find(l => l.arena.address === addresses[0])!
  const high = burst.find(l => l.arena.address === addresses[2])!
  low.release()
  high.release()
  pool.trim() // returns cached slots to their slabs, so the pages are free again
  const next = pool.lease(65536)
  t.is(next.arena.address, addresses[0])
  for (const l of [...burst, next]) if (!l.released) l.release()
})

test('after a burst drains around long-lived leases in the lowest arena, the higher arenas are given back', async t => {
  const pool = new BufferPool({ arenaSize: MiB, spareArenas: 0, registration: 'off' })
  const longLived = Array.from({ length: 100 }, (_, k) => pool.lease(64 + k * 16))
  const burst = Array.from({ length: 3000 }, (_, k) => pool.lease(500 + (k % 7) * 300))
  const grown = pool.stats().arenas
  t.true(grown >= 4, `${grown}`)
  t.deepEqual(byAddress(longLived).length, 1)
  for (const l of burst) l.release()
  await nextTurn() // the idle arenas go off the hot path
  const after = pool.stats()
  t.is(after.arenas, 1)
  t.is(after.outstandingLeases, 100)
  t.is(after.requestedBytes, longLived.reduce((sum, l) => sum + l.length, 0))
  t.is(longLived[0]!.arena.refs, 100)
  for (const l of longLived) l.release()
})

test('the fullest partial slab is filled first, so a nearly empty slab drains and goes', t => {
  const pool = new BufferPool({ arenaSize: MiB, spareArenas: 0, registration: 'off' })
  // 1536-byte slots: 16 per slab (24 KiB). Fill four slabs.
  const leases = Array.from({ length: 64 }, () => pool.lease(1500))
  const slabOf = (l: Lease) => Math.floor(l.offset / (24 * 1024))
  pool.trim() // no cached slots: every further release goes to its slab
  // Slab A keeps 15 of 16; slab B keeps 1 of 16.
  const bySlab = new Map<number, Lease[]>()
  for (const l of leases) bySlab.set(slabOf(l), [...(bySlab.get(slabOf(l)) ?? []), l])
  const [a, b, c, d] = [...bySlab.values()]
  for (const l of [...c!, ...d!]) l.release()
  a![0]!.release()
  for (const l of b!.slice(1)) l.release()
  pool.trim()
  const next = pool.lease(1500)
  t.is(slabOf(next), slabOf(a![1]!), 'the slot comes from the slab with 1 free, not the one with 15')
  for (const l of [...a!.slice(1), b![0]!, next]) l.release()
})
