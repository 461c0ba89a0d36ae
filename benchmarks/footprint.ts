// Memory: arena bytes against bytes asked for, for the simple IMIX mix
// filling its arenas; what is left after a burst of short-lived leases
// drains around long-lived ones; allocator bookkeeping per slot.
// measureFootprint() returns figures; printFootprint() formats them.
import { Allocator } from '../lib/allocator.js'
import { BufferPool, type PoolStats } from '../lib/index.js'
import { formatRatio, row } from './harness.js'
import { IMIX, MiB, seeded } from './workloads.js'

/** IMIX leases until `arenas` arenas are full. */
export function imixFill(arenaSize = 4 * MiB, arenas = 16): PoolStats {
  const pool = new BufferPool({ arenaSize, maxBytes: arenas * arenaSize, registration: 'off' })
  const next = seeded(12345)
  const held: number[] = []
  for (;;) {
    const h = pool.handles.tryLease(IMIX[next() % IMIX.length]!)
    if (h < 0) break
    held.push(h)
  }
  const stats = pool.stats()
  for (const h of held) pool.handles.release(h)
  pool.trim()
  return stats
}

export interface DrainFigures {
  readonly longLived: number
  readonly requestedBytes: number
  /** Arena bytes at the height of the last burst, and after it drained and the pool trimmed. */
  readonly peakArenaBytes: number
  readonly arenaBytes: number
  readonly arenas: number
}

/**
 * Three bursts of 20,000 short-lived leases (64 B to 16 KiB, log-uniform),
 * one in 50 leases kept for good; after each burst the short-lived ones are
 * released and the pool trims. 1 MiB arenas, no spares.
 */
export function burstDrain(): DrainFigures {
  const pool = new BufferPool({ arenaSize: MiB, maxBytes: 1024 * MiB, spareArenas: 0, registration: 'off' })
  const H = pool.handles
  const next = seeded(99)
  const kept: number[] = []
  let peakArenaBytes = 0
  for (let burst = 0; burst < 3; burst++) {
    const short: number[] = []
    for (let k = 0; k < 20_000; k++) {
      const h = H.lease(Math.round(64 * 2 ** (8 * (next() / 0x7fffffff))))
      if (k % 50 === 0) kept.push(h)
      else short.push(h)
    }
    peakArenaBytes = pool.stats().arenaBytes
    for (const h of short) H.release(h)
    pool.trim()
  }
  const stats = pool.stats()
  const figures = { longLived: kept.length, requestedBytes: stats.requestedBytes, peakArenaBytes, arenaBytes: stats.arenaBytes, arenas: stats.arenas }
  for (const h of kept) H.release(h)
  return figures
}

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

export interface FootprintFigures {
  readonly imix: { leases: number; requestedBytes: number; leasedBytes: number; arenaBytes: number; arenas: number }
  readonly imixRatio: number
  readonly drain: DrainFigures
  readonly drainRatio: number
  /** Slot size -> bookkeeping bytes per slot. */
  readonly perSlot: Record<number, number>
}

export function measureFootprint(): FootprintFigures {
  const s = imixFill()
  const drain = burstDrain()
  const perSlot: Record<number, number> = {}
  for (const size of [16, 64, 1024, 1500]) perSlot[size] = bookkeepingPerSlot(size)
  return {
    imix: { leases: s.outstandingLeases, requestedBytes: s.requestedBytes, leasedBytes: s.leasedBytes, arenaBytes: s.arenaBytes, arenas: s.arenas },
    imixRatio: s.arenaBytes / s.requestedBytes,
    drain,
    drainRatio: drain.arenaBytes / drain.requestedBytes,
    perSlot,
  }
}

export function printFootprint(f: FootprintFigures): string[] {
  const w = [52, 16, 9]
  const n = (v: number) => v.toLocaleString('en-US')
  const { imix, drain } = f
  return [
    'Footprint: IMIX (40/576/1500 bytes, 7:4:1) until 16 arenas of 4 MiB are full',
    row(['leases', n(imix.leases), ''], w),
    row(['bytes asked for (requestedBytes)', n(imix.requestedBytes), '1.000x'], w),
    row(['bytes in slots (leasedBytes)', n(imix.leasedBytes), `${(imix.leasedBytes / imix.requestedBytes).toFixed(3)}x`], w),
    row(['arena bytes (arenaBytes)', n(imix.arenaBytes), `${f.imixRatio.toFixed(3)}x`], w),
    row(['one registration per buffer: pages locked', n(imix.leases * 4096), `${formatRatio(imix.leases * 4096 / imix.requestedBytes)}x`], w) + '  >= 1 page each',
    '',
    'Fragmentation: 3 bursts of 20,000 leases (64 B..16 KiB), 1 in 50 kept; after each, the rest released and trim()',
    row(['long-lived leases kept', n(drain.longLived), ''], w),
    row(['their bytes (requestedBytes)', n(drain.requestedBytes), '1.000x'], w),
    row(['arena bytes at the last burst', n(drain.peakArenaBytes), `${(drain.peakArenaBytes / drain.requestedBytes).toFixed(2)}x`], w),
    row([`arena bytes after the drain (${drain.arenas} arenas of 1 MiB)`, n(drain.arenaBytes), `${f.drainRatio.toFixed(2)}x`], w),
    '',
    'Allocator bookkeeping (bytes of its arrays, allocated capacity; 16 MiB arena, every slot leased):',
    ...Object.entries(f.perSlot).map(([size, b]) => row([`${size}-byte leases`, `${b.toFixed(2)} B/slot`, ''], w)),
  ]
}
