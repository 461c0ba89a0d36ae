// The footprint problem itself, measured: N live buffers registered through
// a pool (few large registrations) against the same N registered one by one
// (each page-aligned, one registration each), read back from the OS.
//
// What registers, by machine: io_uring fixed buffers on Linux where they
// work (pinned bytes, VmPin), RIO on Windows (each registration locks its
// pages; the working set is what the OS shows), mlock elsewhere on Linux
// (VmLck). Where the machine refuses part of the one-by-one way (memlock,
// slots, map count), what was registered is measured and the rest computed
// at one page per buffer at the least, and the figure says "computed".
import { Arena, BufferPool, IoUringRegistrar, memoryUsage, platform, type ArenaOptions, type Registrar } from '../lib/index.js'
import { formatRatio, row } from './harness.js'
import { IMIX } from './workloads.js'

export type Way = 'io_uring' | 'rio' | 'mlock'
export type Workload = 'IMIX' | '512 B' | '1500 B'

const IO_URING_MAX_SLOTS = 16384
/** The pool's arenas here: 1 MiB, so a thousand small buffers do not sit in a mostly empty 4 MiB. */
export const POOL_ARENA_SIZE = 1024 * 1024

export interface WayFigures {
  /** Bytes the OS shows held for registration (pinned, locked or working set). */
  readonly heldBytes: number
  /** Kernel records: one per registration. */
  readonly registrations: number
  /** True when part of heldBytes is computed, not read from the OS. */
  readonly computed: boolean
  /** How many buffers the machine let this way register (the rest computed). */
  readonly measuredBuffers: number
  readonly refusal: string | null
}

export interface FootprintCase {
  readonly workload: Workload
  readonly buffers: number
  readonly way: Way
  readonly requestedBytes: number
  readonly pool: WayFigures & { readonly arenas: number; readonly arenaBytes: number; readonly leasedBytes: number }
  readonly perBuffer: WayFigures
  /** perBuffer.heldBytes over pool.heldBytes. */
  readonly ratio: number
  readonly process: { readonly before: ReturnType<typeof memoryUsage>; readonly afterPool: ReturnType<typeof memoryUsage> }
}

export function sizesOf(workload: Workload, buffers: number): number[] {
  if (workload === 'IMIX') return Array.from({ length: buffers }, (_, i) => IMIX[i % IMIX.length]!)
  return new Array<number>(buffers).fill(workload === '512 B' ? 512 : 1500)
}

export function wayOfThisMachine(): Way {
  const info = platform()
  if (info.rio.available) return 'rio'
  if (info.ioUring.available) return 'io_uring'
  return 'mlock'
}

/** What the OS shows for this way of registering (process-wide: every thread's registrations). */
export function held(way: Way): number {
  const usage = memoryUsage()
  if (way === 'io_uring') return usage.pinned ?? 0
  if (way === 'mlock') return usage.locked ?? 0
  return usage.rss
}

/** Registrars for io_uring: a new ring whenever one's slots are full. */
export class Rings implements Registrar {
  readonly rings: IoUringRegistrar[] = []
  register(address: bigint, length: number): bigint {
    let ring = this.rings[this.rings.length - 1]
    if (!ring || ring.slotsInUse === ring.slots) this.rings.push(ring = IoUringRegistrar.create({ slots: IO_URING_MAX_SLOTS }))
    // Slot ids of different rings may repeat: keep the ring's index in the high bits.
    return ring.register(address, length) | (BigInt(this.rings.length - 1) << 32n)
  }

  deregister(id: bigint): void {
    this.rings[Number(id >> 32n)]!.deregister(id & 0xffffffffn)
  }

  close(): void {
    for (const ring of this.rings) ring.close()
  }
}

export function arenaOptions(way: Way, registrar: Registrar | null): ArenaOptions {
  if (way === 'io_uring') return { registration: registrar! }
  if (way === 'rio') return { registration: 'required' }
  return { registration: 'off', lock: true }
}

function measurePool(way: Way, sizes: readonly number[]): FootprintCase['pool'] {
  const rings = way === 'io_uring' ? new Rings() : null
  const before = held(way)
  const pool = new BufferPool({ arenaSize: POOL_ARENA_SIZE, maxBytes: 2 ** 34, ...arenaOptions(way, rings) } as ConstructorParameters<typeof BufferPool>[0])
  const handles = sizes.map(size => pool.handles.lease(size))
  const stats = pool.stats()
  const figures = {
    heldBytes: held(way) - before,
    registrations: stats.arenas,
    computed: false,
    measuredBuffers: sizes.length,
    refusal: null,
    arenas: stats.arenas,
    arenaBytes: stats.arenaBytes,
    leasedBytes: stats.leasedBytes,
  }
  for (const h of handles) pool.handles.release(h)
  pool.trim()
  void pool.close()
  rings?.close()
  return figures
}

function measurePerBuffer(way: Way, sizes: readonly number[]): WayFigures {
  return way === 'io_uring' ? registerSlices(sizes) : createArenas(way, sizes)
}

/**
 * io_uring: one mapping, page-aligned slices of it, each slice registered on
 * its own (as each buffer would be), in as many rings as the slots need.
 */
function registerSlices(sizes: readonly number[]): WayFigures {
  const page = platform().pageSize
  const slicePages = sizes.map(size => Math.ceil(size / page))
  const memory = Arena.create(slicePages.reduce((sum, n) => sum + n, 0) * page, { registration: 'off' })
  const rings = new Rings()
  const ids: bigint[] = []
  const before = held('io_uring')
  let refusal: string | null = null
  let at = 0
  for (let k = 0; k < sizes.length; k++) {
    try {
      ids.push(rings.register(memory.address + BigInt(at), sizes[k]!))
    } catch (error) {
      refusal = `${(error as { code?: string }).code ?? 'error'} after ${ids.length} buffers`
      break
    }
    at += slicePages[k]! * page
  }
  const measured = held('io_uring') - before
  for (const id of ids) rings.deregister(id)
  rings.close()
  memory.close()
  return perBufferFigures(sizes, ids.length, measured, refusal)
}

/** RIO and mlock: an arena per buffer, registered (or locked) at creation. */
function createArenas(way: Way, sizes: readonly number[]): WayFigures {
  const options = arenaOptions(way, null)
  const before = held(way)
  const arenas: Arena[] = []
  let refusal: string | null = null
  for (const size of sizes) {
    try {
      arenas.push(Arena.create(size, options))
    } catch (error) {
      refusal = `${(error as { code?: string }).code ?? 'error'} after ${arenas.length} buffers`
      break
    }
  }
  const measured = held(way) - before
  for (const arena of arenas) arena.close()
  return perBufferFigures(sizes, arenas.length, measured, refusal)
}

/** What was measured, and the rest computed at a whole page (granule) per buffer at the least. */
function perBufferFigures(sizes: readonly number[], registered: number, measured: number, refusal: string | null): WayFigures {
  const granule = platform().allocationGranularity
  const remaining = sizes.slice(registered).reduce((sum, size) => sum + Math.ceil(size / granule) * granule, 0)
  return { heldBytes: measured + remaining, registrations: sizes.length, computed: remaining > 0, measuredBuffers: registered, refusal }
}

/** One case, measured in this process (run it in a fresh one). */
export function measureFootprintCase(workload: Workload, buffers: number): FootprintCase {
  const way = wayOfThisMachine()
  const sizes = sizesOf(workload, buffers)
  const before = memoryUsage()
  const pool = measurePool(way, sizes)
  const afterPool = memoryUsage()
  const perBuffer = measurePerBuffer(way, sizes)
  return {
    workload,
    buffers,
    way,
    requestedBytes: sizes.reduce((sum, size) => sum + size, 0),
    pool,
    perBuffer,
    ratio: perBuffer.heldBytes / pool.heldBytes,
    process: { before, afterPool },
  }
}

export const WAY_NAMES: Record<Way, string> = {
  io_uring: 'io_uring fixed buffers, pinned bytes (VmPin)',
  rio: 'RIO registrations, working set',
  mlock: 'mlock, locked bytes (VmLck)',
}

export function printRegistrationFootprint(cases: readonly FootprintCase[]): string[] {
  if (cases.length === 0) return []
  const w = [14, 9, 14, 7, 16, 9, 8]
  const mib = (n: number) => (n / 1048576).toFixed(n < 10 * 1048576 ? 2 : 1)
  return [
    `Registration footprint, measured: ${WAY_NAMES[cases[0]!.way]}; pool with ${POOL_ARENA_SIZE / 1048576} MiB arenas against one registration per buffer`,
    row(['workload', 'buffers', 'pool MiB', 'regs', 'one by one MiB', 'regs', 'ratio'], w),
    ...cases.map(c => row([
      c.workload, c.buffers.toLocaleString('en-US'), mib(c.pool.heldBytes), c.pool.registrations,
      `${mib(c.perBuffer.heldBytes)}${c.perBuffer.computed ? ' (computed)' : ''}`, c.perBuffer.registrations.toLocaleString('en-US'),
      `${formatRatio(c.ratio)}x`,
    ], w)),
    ...cases.filter(c => c.perBuffer.refusal).map(c => `  ${c.workload} ${c.buffers}: the machine refused one by one (${c.perBuffer.refusal}); the rest computed at a page each`),
  ]
}
