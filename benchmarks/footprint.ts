// Memory: arena bytes against bytes asked for, for the simple IMIX mix
// (40/576/1500 bytes, 7:4:1) filling its arenas; allocator bookkeeping per
// slot; and what registering every buffer on its own would lock instead.
import { Allocator } from '../lib/allocator.js'
import { BufferPool, type PoolStats } from '../lib/index.js'
import { row } from './measure.js'

const MiB = 1024 * 1024
const IMIX = [40, 40, 40, 40, 40, 40, 40, 576, 576, 576, 576, 1500]

export function imixFill(arenaSize = 4 * MiB, arenas = 16): PoolStats {
  const pool = new BufferPool({ arenaSize, maxBytes: arenas * arenaSize, registration: 'off' })
  // A fixed shuffle of the 7:4:1 mix, repeated until the budget is full.
  let seed = 12345
  // Park-Miller: even its low bits are usable for `% 12`.
  const next = () => (seed = (seed * 48271) % 0x7fffffff)
  const held: number[] = []
  for (;;) {
    const size = IMIX[next() % IMIX.length]!
    const h = pool.handles.tryLease(size)
    if (h < 0) break
    held.push(h)
  }
  const stats = pool.stats()
  for (const h of held) pool.handles.release(h)
  pool.trim()
  return stats
}

/** Bytes of ArrayBuffers the allocator itself holds per slot, when every slot is leased. */
/** Bytes of allocator arrays per slot once every slot of one 16 MiB arena is leased at `size`. */
export function bookkeepingPerSlot(size: number): number {
  const arenaSize = 16 * MiB
  const allocator = new Allocator({ arenaSize, maxBytes: arenaSize, arenaOptions: { registration: 'off' }, onArenaIdle: () => {} })
  let slots = 0
  while (allocator.leaseClassed(size) >= 0) slots++
  const perSlot = allocator.bookkeepingBytes() / slots
  allocator.trim(0)
  return perSlot
}

export function footprint(): { imixRatio: number; perSlot64: number; perSlot1500: number; lines: string[] } {
  const stats = imixFill()
  const imixRatio = stats.arenaBytes / stats.requestedBytes
  const perSlot64 = bookkeepingPerSlot(64)
  const perSlot1024 = bookkeepingPerSlot(1024)
  const perSlot1500 = bookkeepingPerSlot(1500)
  // One registration per buffer locks at least a page each (RIORegisterBuffer
  // remarks), and one VirtualAlloc each reserves 64 KiB on Windows.
  const pagesAlone = stats.outstandingLeases * 4096
  const w = [52, 16, 12]
  const lines = [
    `Footprint: IMIX (40/576/1500 bytes, 7:4:1) until 16 arenas of 4 MiB are full`,
    row(['leases', stats.outstandingLeases.toLocaleString('en-US'), ''], w),
    row(['bytes asked for', stats.requestedBytes.toLocaleString('en-US'), '1.00x'], w),
    row(['bytes in slots (leasedBytes)', stats.leasedBytes.toLocaleString('en-US'), `${(stats.leasedBytes / stats.requestedBytes).toFixed(3)}x`], w),
    row(['arena bytes registered (arenaBytes)', stats.arenaBytes.toLocaleString('en-US'), `${imixRatio.toFixed(3)}x`], w) + '  target <= 1.15x',
    row(['one registration per buffer: pages locked', pagesAlone.toLocaleString('en-US'), `${(pagesAlone / stats.requestedBytes).toFixed(2)}x`], w) + '  computed: >= 1 page each',
    row(['  ... and registrations (kernel records)', stats.outstandingLeases.toLocaleString('en-US'), ''], w) + `  vs ${stats.arenas} here`,
    '',
    'Allocator bookkeeping (bytes of its arrays, allocated capacity; 16 MiB arena, every slot leased):',
    row(['64-byte slots', `${perSlot64.toFixed(2)} B/slot`, `${(100 * perSlot64 / 64).toFixed(2)} %`], w),
    row(['1024-byte slots', `${perSlot1024.toFixed(2)} B/slot`, `${(100 * perSlot1024 / 1024).toFixed(2)} %`], w),
    row(['1536-byte slots (1500-byte leases)', `${perSlot1500.toFixed(2)} B/slot`, `${(100 * perSlot1500 / 1536).toFixed(2)} %`], w),
  ]
  return { imixRatio, perSlot64, perSlot1500, lines }
}
