// Memory: arena bytes against bytes asked for, for the simple IMIX mix
// filling its arenas; what is left after a burst of short-lived leases
// drains around long-lived ones; allocator bookkeeping per slot.
// measureFootprint() returns figures; printFootprint() formats them.
import { Allocator } from '../lib/allocator/allocator.js'
import { adoptedArenas } from '../lib/arenas/arena.js'
import { BufferPool, type PoolStats } from '../lib/index.js'
import { row } from './harness.js'
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
 * 1,000 long-lived leases, then a burst of 30,000 short-lived ones of which
 * 1 in `keepEvery` is kept too (0: none); the rest are released and the pool
 * trims. Sizes 64 B to 16 KiB, log-uniform; 1 MiB arenas, no spares. What is
 * left in arenas over what the kept leases asked for is the fragmentation.
 */
export function burstDrain(keepEvery: number): DrainFigures {
  const pool = new BufferPool({ arenaSize: MiB, maxBytes: 1024 * MiB, spareArenas: 0, registration: 'off' })
  const H = pool.handles
  const next = seeded(99)
  const size = () => Math.round(64 * 2 ** (8 * (next() / 0x7fffffff)))
  const kept = Array.from({ length: 1000 }, () => H.lease(size()))
  const short: number[] = []
  for (let k = 0; k < 30_000; k++) {
    const h = H.lease(size())
    if (keepEvery !== 0 && k % keepEvery === 0) kept.push(h)
    else short.push(h)
  }
  const peakArenaBytes = pool.stats().arenaBytes
  for (const h of short) H.release(h)
  pool.trim()
  const stats = pool.stats()
  const figures = { longLived: kept.length, requestedBytes: stats.requestedBytes, peakArenaBytes, arenaBytes: stats.arenaBytes, arenas: stats.arenas }
  for (const h of kept) H.release(h)
  return figures
}

/** Bytes of allocator arrays per slot once every slot of one 16 MiB arena is leased at `size`. */
export function bookkeepingPerSlot(size: number): number {
  const arenaSize = 16 * MiB
  const allocator = new Allocator({ arenaSize, maxBytes: arenaSize, arenas: adoptedArenas({ registration: 'off' }), onGrow: () => {} })
  let slots = 0
  while (allocator.leaseClassed(size) >= 0) slots++
  const perSlot = allocator.bookkeepingBytes() / slots
  allocator.trim(0)
  return perSlot
}

export interface FootprintFigures {
  readonly imix: { leases: number; requestedBytes: number; leasedBytes: number; arenaBytes: number; arenas: number }
  readonly imixRatio: number
  /** The burst drained completely, and with 1 in 100 of it kept. */
  readonly drain: DrainFigures
  readonly drainRatio: number
  readonly trickle: DrainFigures
  readonly trickleRatio: number
  /** Slot size -> bookkeeping bytes per slot. */
  readonly perSlot: Record<number, number>
}

export function measureFootprint(): FootprintFigures {
  const s = imixFill()
  const drain = burstDrain(0)
  const trickle = burstDrain(100)
  const perSlot: Record<number, number> = {}
  for (const size of [16, 64, 1024, 1500]) perSlot[size] = bookkeepingPerSlot(size)
  return {
    imix: { leases: s.outstandingLeases, requestedBytes: s.requestedBytes, leasedBytes: s.leasedBytes, arenaBytes: s.arenaBytes, arenas: s.arenas },
    imixRatio: s.arenaBytes / s.requestedBytes,
    drain,
    drainRatio: drain.arenaBytes / drain.requestedBytes,
    trickle,
    trickleRatio: trickle.arenaBytes / trickle.requestedBytes,
    perSlot,
  }
}

export function printFootprint(f: FootprintFigures): string[] {
  const w = [52, 16, 9]
  const n = (v: number) => v.toLocaleString('en-US')
  const { imix } = f
  return [
    'Footprint: IMIX (40/576/1500 bytes, 7:4:1) until 16 arenas of 4 MiB are full',
    row(['leases', n(imix.leases), ''], w),
    row(['bytes asked for (requestedBytes)', n(imix.requestedBytes), '1.000x'], w),
    row(['bytes in slots (leasedBytes)', n(imix.leasedBytes), `${(imix.leasedBytes / imix.requestedBytes).toFixed(3)}x`], w),
    row(['arena bytes (arenaBytes)', n(imix.arenaBytes), `${f.imixRatio.toFixed(3)}x`], w),
    '',
    'Fragmentation: 1,000 long-lived leases, then a burst of 30,000 short-lived ones drained; 64 B..16 KiB; trim()',
    ...(['drain', 'trickle'] as const).flatMap(which => {
      const d = f[which]
      const ratio = which === 'drain' ? f.drainRatio : f.trickleRatio
      return [
        which === 'drain' ? 'the whole burst released:' : '1 in 100 of the burst kept too (a trickle of long-lived leases):',
        row([`  kept leases, their bytes (requestedBytes)`, n(d.requestedBytes), `${n(d.longLived)}`], w),
        row(['  arena bytes at the height of the burst', n(d.peakArenaBytes), `${(d.peakArenaBytes / d.requestedBytes).toFixed(2)}x`], w),
        row([`  arena bytes after the drain (${d.arenas} arenas of 1 MiB)`, n(d.arenaBytes), `${ratio.toFixed(2)}x`], w),
      ]
    }),
    '',
    'Allocator bookkeeping (bytes of its arrays, allocated capacity; 16 MiB arena, every slot leased):',
    ...Object.entries(f.perSlot).map(([size, b]) => row([`${size}-byte leases`, `${b.toFixed(2)} B/slot`, ''], w)),
  ]
}
