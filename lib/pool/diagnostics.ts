// What a pool tells about itself: its figures (stats()), its live leases
// (outstanding()), and the words of its leak and close warnings.
import type { Allocator, ClassStats } from '../allocator/allocator.js'
import type { Arena } from '../arenas/arena.js'
import type { Handles } from './handles.js'
import type { LeakReport, LeakTracker, OutstandingLease } from './leak-tracker.js'

export interface PoolStats {
  arenas: number
  arenaBytes: number
  leasedBytes: number
  requestedBytes: number
  outstandingLeases: number
  peakArenaBytes: number
  waiters: number
  /** Leases reported leaked whose slots stay quarantined (never reused, not waited for by close()). */
  leakedLeases: number
  classes: ClassStats[]
}

export function poolStats(allocator: Allocator<Arena>, waiters: number, leakedLeases: number): PoolStats {
  const { leases, requestedBytes, leasedBytes } = allocator.outstanding()
  return {
    arenas: allocator.arenas.count,
    arenaBytes: allocator.arenas.bytes,
    leasedBytes,
    requestedBytes,
    outstandingLeases: leases,
    peakArenaBytes: allocator.arenas.peakBytes,
    waiters,
    leakedLeases,
    classes: allocator.classStats(),
  }
}

/** A live handle, as outstanding() lists it; age and stack where leak detection tracked it. */
export function describeLease(handles: Handles, tracker: LeakTracker | null, handle: number): OutstandingLease {
  const record = tracker?.recordOf(handle)
  const described = {
    handle,
    length: handles.length(handle),
    capacity: handles.capacity(handle),
    offset: handles.offset(handle),
    arena: handles.arena(handle),
    refCount: handles.refCount(handle),
    ageMs: record ? performance.now() - record.leasedAt : null,
    leaked: record?.leaked ?? false,
  }
  const stack = record?.stack
  return stack === undefined ? described : { ...described, stack }
}

export function warnLeak(report: LeakReport): void {
  process.emitWarning(
    `A Lease of ${report.length} bytes (handle ${report.handle}, offset ${report.offset}) was garbage-collected ` +
    `${Math.round(report.ageMs ?? 0)} ms after it was leased, without its final release. Its slot stays leased (quarantined); ` +
    "call lease.release() when done, and listen with pool.on('leak') or onLeak to handle these reports",
    { code: 'RIOPOOL_LEAK', detail: report.stack ? `Leased at:\n${report.stack}` : undefined })
}

export function warnClosePending(waitedMs: number, leases: number, requestedBytes: number, arenas: number): void {
  process.emitWarning(
    `BufferPool.close() has waited ${waitedMs} ms for ${leases} lease(s) still held (${requestedBytes} bytes in ${arenas} arena(s)); ` +
    'pool.outstanding() lists them; release them, or pass close({ signal }) to stop waiting',
    { code: 'RIOPOOL_CLOSE_PENDING', detail: `outstanding leases: ${leases}; bytes asked for: ${requestedBytes}` })
}
