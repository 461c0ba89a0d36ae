// Lease/release pairs by size and face, against an Int32Array free list (the
// floor for any pool in JavaScript), Buffer.allocUnsafe and @thi.ng/malloc,
// all holding the same live ring, timed in interleaved rounds in one process.
// measureFace() and measureSelfCheck() return one process's figures,
// hotPathFigures() assembles them, printHotPath() formats them.
import { BufferPool } from '../lib/index.js'
import { SELF_CHECK_TOLERANCE } from './bars.js'
import { formatNs, formatRatio, medianNs, quantile, ratio, row, timeInterleaved, type Case, type Ratio } from './harness.js'
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
  /** Median ns per floor step (the median over this group's processes): orientation only. */
  readonly floorNs: number
  /** Per face: median ns per pair, and the median of per-round ratios to the floor. */
  readonly faces: Partial<Record<Face, { ns: number; vsFloor: Ratio }>>
  /**
   * Buffer.allocUnsafe over a Lease pair, and @thi.ng/malloc over a handle
   * pair: each face's median ratio to its own floor, divided.
   */
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
// written as the plainest loops a user would write, with no ring state or
// tables. Compiled like the cases (new Function), so each has its own
// optimised code, and V8 treats both methods alike. The size arrives as an
// argument, as in the harness: a literal 1500 lets V8 fold the size-class
// lookup, and made the plain pair about 10 % faster than the harness's.
const plainHandlePair = new Function('pool', 'held', 'size', 'ops', `
  const H = pool.handles
  for (let k = 0; k < ops; k++) {
    const h = H.lease(size)
    H.release(held[k & 1023])
    held[k & 1023] = h
  }`) as (pool: BufferPool, held: number[], size: number, ops: number) => void

// top arrives as an argument: a constant would let V8 keep the top entry in a
// register, which no real free list allows.
const plainFloor = new Function('stack', 'top', 'held', 'ops', `
  for (let k = 0; k < ops; k++) {
    const slot = stack[--top]
    stack[top++] = held[k & 1023]
    held[k & 1023] = slot
  }
  return top`) as (stack: Int32Array, top: number, held: number[], ops: number) => number

interface PlainState {
  readonly pool: BufferPool
  readonly held: number[]
  readonly size: number
  readonly stack: Int32Array
  top: number
  readonly slots: number[]
}

/**
 * Both plain cases' run functions come from this one site, and reach their
 * arrays through `s`, as the harness's do. A run function made alone at its
 * own site is the only closure of it: V8 then specialises its optimised code
 * to the values it captured, and the plain floor inlined into it had the
 * stack's address and length and the ring as constants in the machine code
 * (no map check, base or length load per step), which made it run at
 * 0.72-0.80x the harness's floor. A user's pool and ring are not constants.
 */
function plainCase(name: string, run: (s: PlainState, ops: number) => void, s: PlainState): Case {
  return { name, run: ops => run(s, ops) }
}

function selfCheckCases(): Case[] {
  const pool = new BufferPool({ registration: 'off' })
  const held = Array.from({ length: 1024 }, () => pool.handles.lease(1500))
  const stack = new Int32Array(1025)
  stack[0] = 1024
  const slots = Array.from({ length: 1024 }, (_, k) => k)
  const s: PlainState = { pool, held, size: 1500, stack, top: 1, slots }
  return [
    plainCase('plain/handles', (s, ops) => plainHandlePair(s.pool, s.held, s.size, ops), s),
    plainCase('plain/floor', (s, ops) => { s.top = plainFloor(s.stack, s.top, s.slots, ops) }, s),
  ]
}

/** One face of one group against its floor, interleaved: what one child process measures. */
export interface FaceFigures {
  readonly group: string
  readonly face: Face
  readonly ns: number
  readonly floorNs: number
  /** Per round, face ns over floor ns. */
  readonly perRound: number[]
}

export async function measureFace(group: string, face: Face, rounds: number): Promise<FaceFigures> {
  const spec = HOT_PATH_GROUPS.find(g => g.name === group)
  if (!spec) throw new Error(`unknown group ${group}`)
  const t = timeInterleaved(groupCases({ ...spec, faces: ['floor', face] }, await loadMemPool()), rounds)
  const faceNs = t.ns.get(`${group}/${face}`)!
  const floorNs = t.ns.get(`${group}/floor`)!
  return { group, face, ns: medianNs(t, `${group}/${face}`), floorNs: medianNs(t, `${group}/floor`), perRound: faceNs.map((ns, r) => ns / floorNs[r]!) }
}

/** The self-check: the plain loops against the harness's 1500-byte floor and handle pair, interleaved in one process. */
export async function measureSelfCheck(rounds: number): Promise<SelfCheck> {
  const spec = HOT_PATH_GROUPS.find(g => g.name === '1500')!
  const t = timeInterleaved([...groupCases({ ...spec, faces: ['floor', 'handles'] }, await loadMemPool()), ...selfCheckCases()], rounds)
  return { handle: ratio(t, 'plain/handles', '1500/handles'), floor: ratio(t, 'plain/floor', '1500/floor') }
}

function summary(values: readonly number[]): Ratio {
  return { median: quantile(values, 0.5), p25: quantile(values, 0.25), p75: quantile(values, 0.75) }
}

/** a over b where each was measured against its own floor: medians divided, spread from the quartiles crossed. */
function across(a: Ratio, b: Ratio): Ratio {
  return { median: a.median / b.median, p25: a.p25 / b.p75, p75: a.p75 / b.p25 }
}

/** Assembles the children's figures into the report's. */
export function hotPathFigures(rounds: number, faces: readonly FaceFigures[], selfCheck: SelfCheck): HotPathFigures {
  // Only the groups measured (npm run bench -- --quick measures a few).
  const groups = HOT_PATH_GROUPS.filter(spec => faces.some(f => f.group === spec.name)).map(spec => {
    const mine = faces.filter(f => f.group === spec.name)
    const floorNs = quantile(mine.map(f => f.floorNs), 0.5)
    const byFace: GroupFigures['faces'] = { floor: { ns: floorNs, vsFloor: { median: 1, p25: 1, p75: 1 } } }
    for (const f of mine) byFace[f.face] = { ns: f.ns, vsFloor: summary(f.perRound) }
    const vs = (face: Face) => byFace[face]!.vsFloor
    return {
      name: spec.name,
      live: spec.live,
      randomVictims: spec.randomVictims,
      floorNs,
      faces: byFace,
      allocUnsafeOverLease: across(vs('allocUnsafe'), vs('lease')),
      thingOverHandle: across(vs('thing'), vs('handles')),
    }
  })
  return { rounds, groups, selfCheck }
}

const FACE_LABELS: Partial<Record<Face, string>> = {
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
    'Hot path: lease/release pairs by size and face. A pair is one lease and one release, as a server in steady',
    'state makes them. The live ring holds 1,024 results (leases, buffers): each step acquires a new one, releases',
    'the one it replaces (the oldest; with random victims, as in the random mix, one picked at random, so lookups',
    'can miss the cache) and stores the new one, so nothing is freed early or optimised away. The floor is the same',
    'loop over a bare Int32Array free list (a pop and a push), the least any pool in JavaScript can cost.',
    `Each face runs in its own process against the floor, in ${f.rounds} interleaved rounds of direct loops; ratios are`,
    'medians of per-round ratios to the floor timed in the same round (p25-p75 their spread); the last two rows',
    'divide two faces\' ratios.',
  ]
  for (const g of f.groups) {
    lines.push('')
    lines.push(`${g.name === 'IMIX' ? 'IMIX 40/576/1500 B, 7:4:1' : g.name === 'random' ? 'random sizes 64 B..64 KiB (log-uniform)' : /\d$/.test(g.name) ? `${g.name} B` : g.name}, ` +
      `${g.live.toLocaleString('en-US')} live, ${g.randomVictims ? 'random victims' : 'oldest replaced'}`)
    lines.push(row(['', 'ns/pair', 'vs floor', 'p25-p75'], w))
    for (const face of Object.keys(g.faces) as Face[]) {
      const { ns, vsFloor } = g.faces[face]!
      lines.push(row([FACE_LABELS[face] ?? face, formatNs(ns), `${formatRatio(vsFloor.median)}x`, spread(vsFloor)], w))
    }
    lines.push(row(['Buffer.allocUnsafe / Lease pair', '', `${formatRatio(g.allocUnsafeOverLease.median)}x`, spread(g.allocUnsafeOverLease)], w))
    lines.push(row(['@thi.ng/malloc / handle pair', '', `${formatRatio(g.thingOverHandle.median)}x`, spread(g.thingOverHandle)], w))
  }
  lines.push('')
  lines.push('Self-check: the same pairs as the plainest loop (no ring state, no size table), same rounds')
  for (const [label, r] of [['handles, 1500 B', f.selfCheck.handle], ['floor', f.selfCheck.floor]] as const) {
    const off = Math.abs(r.median - 1) > SELF_CHECK_TOLERANCE
    const pct = `${Math.round(SELF_CHECK_TOLERANCE * 100)} %`
    lines.push(row([`plain loop / harness, ${label}`, '', `${formatRatio(r.median)}x`, spread(r)], w) +
      (off ? `  WARNING: the methods disagree by more than ${pct}; the timed bars below are UNSURE` : `  agree within ${pct}`))
  }
  return lines
}
