// Lease/release pairs by size and face, against an Int32Array free list (the
// floor for any pool in JavaScript), Buffer.allocUnsafe and @thi.ng/malloc,
// all holding the same live ring, timed in interleaved rounds in one process.
// measureHotPath() returns figures; printHotPath() formats them.
import { BufferPool } from '../lib/index.js'
import { formatNs, formatRatio, medianNs, ratio, row, timeInterleaved, type Case, type Ratio } from './harness.js'
import {
  ALL_FACES, KiB, MiB, fixedSizes, groupCases, imixSizes, loadMemPool, randomSizes, type Face, type GroupSpec,
} from './workloads.js'

const LIVE = 1024

export const HOT_PATH_GROUPS: readonly GroupSpec[] = [
  ...[64, 1500, 4096, 64 * KiB, MiB].map(size => ({
    name: size === MiB ? '1 MiB' : String(size), live: LIVE, randomVictims: false, sizes: fixedSizes(size), faces: ALL_FACES, arenaSize: 4 * MiB,
  })),
  { name: 'IMIX', live: LIVE, randomVictims: false, sizes: imixSizes(), faces: ALL_FACES, arenaSize: 4 * MiB },
  // Netty's benchmark shape: random sizes, 128 live, random victims.
  { name: 'random', live: 128, randomVictims: true, sizes: randomSizes(), faces: ALL_FACES, arenaSize: 4 * MiB },
]

export interface GroupFigures {
  readonly name: string
  readonly live: number
  readonly randomVictims: boolean
  /** Median ns per floor step: orientation only. */
  readonly floorNs: number
  /** Per face: median ns per pair, and the median of per-round ratios to the floor. */
  readonly faces: Partial<Record<Face, { ns: number; vsFloor: Ratio }>>
  /** Buffer.allocUnsafe over a Lease pair, and @thi.ng/malloc over a handle pair, per round. */
  readonly allocUnsafeOverLease: Ratio
  readonly thingOverHandle: Ratio
}

export interface SelfCheck {
  /** Median per round of (plain loop ns) / (harness ns), for the handle pair at 1500 B and the floor. */
  readonly handle: Ratio
  readonly floor: Ratio
}

export interface HotPathFigures {
  readonly rounds: number
  readonly groups: GroupFigures[]
  readonly selfCheck: SelfCheck
}

// The self-check: the 1500-byte handle pair and the floor with 1024 live,
// written as the plainest loops a user would write, with no ring state.
function plainHandlePair(pool: BufferPool, held: number[], ops: number): void {
  const H = pool.handles
  for (let k = 0; k < ops; k++) {
    const h = H.lease(1500)
    H.release(held[k & 1023]!)
    held[k & 1023] = h
  }
}

function plainFloor(free: { stack: Int32Array; top: number }, held: number[], ops: number): void {
  const stack = free.stack
  let top = free.top
  for (let k = 0; k < ops; k++) {
    const slot = stack[--top]!
    stack[top++] = held[k & 1023]!
    held[k & 1023] = slot
  }
  free.top = top
}

function selfCheckCases(): Case[] {
  const pool = new BufferPool({ registration: 'off' })
  const held = Array.from({ length: 1024 }, () => pool.handles.lease(1500))
  const free = { stack: new Int32Array(1025), top: 1 }
  free.stack[0] = 1024
  const slots = Array.from({ length: 1024 }, (_, k) => k)
  return [
    { name: 'plain/handles', run: ops => plainHandlePair(pool, held, ops) },
    { name: 'plain/floor', run: ops => plainFloor(free, slots, ops) },
  ]
}

export async function measureHotPath(rounds: number, groups: readonly GroupSpec[] = HOT_PATH_GROUPS): Promise<HotPathFigures> {
  const Mem = await loadMemPool()
  const cases = [...groups.flatMap(g => groupCases(g, Mem)), ...selfCheckCases()]
  const t = timeInterleaved(cases, rounds)
  const figures: GroupFigures[] = groups.map(spec => {
    const at = (face: Face) => `${spec.name}/${face}`
    const faces: GroupFigures['faces'] = {}
    for (const face of spec.faces) faces[face] = { ns: medianNs(t, at(face)), vsFloor: ratio(t, at(face), at('floor')) }
    return {
      name: spec.name,
      live: spec.live,
      randomVictims: spec.randomVictims,
      floorNs: medianNs(t, at('floor')),
      faces,
      allocUnsafeOverLease: ratio(t, at('allocUnsafe'), at('lease')),
      thingOverHandle: ratio(t, at('thing'), at('handles')),
    }
  })
  return {
    rounds,
    groups: figures,
    selfCheck: { handle: ratio(t, 'plain/handles', '1500/handles'), floor: ratio(t, 'plain/floor', '1500/floor') },
  }
}

const FACE_LABELS: Record<Face, string> = {
  floor: 'floor: Int32Array free-list pop+push',
  handles: 'handles: h = H.lease(n); H.release(old)',
  lease: 'Lease: l = pool.lease(n); old.release()',
  leaseTouch: 'Lease, writing l.buffer[0]',
  rioBuf: 'handles + H.toRioBuf(h, array, at)',
  allocUnsafe: 'Buffer.allocUnsafe(n) (old one to GC)',
  thing: '@thi.ng/malloc malloc(n); free(old)',
}

function spread(r: Ratio): string {
  return `${formatRatio(r.p25)}-${formatRatio(r.p75)}`
}

export function printHotPath(f: HotPathFigures): string[] {
  const w = [42, 9, 9, 11]
  const lines = [
    `Hot path: pairs with a live ring, by size and face (direct loops, ${f.rounds} interleaved rounds;`,
    'ratios are medians of per-round ratios to the floor timed in the same round; p25-p75 their spread)',
  ]
  for (const g of f.groups) {
    lines.push('')
    lines.push(`${g.name === 'IMIX' ? 'IMIX 40/576/1500 B, 7:4:1' : g.name === 'random' ? 'random sizes 64 B..64 KiB (log-uniform)' : `${g.name} B`}, ` +
      `${g.live.toLocaleString('en-US')} live, ${g.randomVictims ? 'random victims' : 'oldest replaced'}`)
    lines.push(row(['', 'ns/pair', 'vs floor', 'p25-p75'], w))
    for (const face of Object.keys(g.faces) as Face[]) {
      const { ns, vsFloor } = g.faces[face]!
      lines.push(row([FACE_LABELS[face], formatNs(ns), `${formatRatio(vsFloor.median)}x`, spread(vsFloor)], w))
    }
    lines.push(row(['Buffer.allocUnsafe / Lease pair', '', `${formatRatio(g.allocUnsafeOverLease.median)}x`, spread(g.allocUnsafeOverLease)], w))
    lines.push(row(['@thi.ng/malloc / handle pair', '', `${formatRatio(g.thingOverHandle.median)}x`, spread(g.thingOverHandle)], w))
  }
  lines.push('')
  lines.push('Self-check: the same pairs as the plainest loop (no ring state, no size table), same rounds')
  for (const [label, r] of [['handles, 1500 B', f.selfCheck.handle], ['floor', f.selfCheck.floor]] as const) {
    const off = Math.abs(r.median - 1) > 0.2
    lines.push(row([`plain loop / harness, ${label}`, '', `${formatRatio(r.median)}x`, spread(r)], w) +
      (off ? '  WARNING: the methods disagree by more than 20 %' : '  agree within 20 %'))
  }
  return lines
}
