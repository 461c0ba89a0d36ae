// What the checking options cost: the 1500-byte Lease and handle pairs with
// 1,024 live, in a pool with leak detection, poison or zeroing on. Each
// (option, face) runs in its own process against its own floor, as the hot
// path's faces do (a process that also ran a default pool would make the
// shared lease/release call sites polymorphic and slow the default down);
// its cost is its ratio to the floor over the default pool's, from the hot
// path's 1500-byte group. 'off' spelt out is the default again: its figure
// shows how far two processes running the same code differ.
import type { BufferPoolOptions } from '../lib/index.js'
import { formatNs, formatRatio, medianNs, quantile, row, timeInterleaved, type Ratio } from './harness.js'
import { HOT_PATH_GROUPS, type FaceFigures, type HotPathFigures } from './hot-path.js'
import { groupCases, loadMemPool } from './workloads.js'

export const CHECKS: ReadonlyArray<{ readonly name: string; readonly options: BufferPoolOptions }> = [
  { name: "leakDetection: 'off'", options: { leakDetection: 'off' } },
  { name: "leakDetection: 'sample'", options: { leakDetection: 'sample' } },
  { name: "leakDetection: 'all'", options: { leakDetection: 'all' } },
  { name: 'poison: true', options: { poison: true } },
  { name: "zero: 'on-release'", options: { zero: 'on-release' } },
  { name: "zero: 'on-lease'", options: { zero: 'on-lease' } },
]

export type CheckFace = 'lease' | 'handles'

export interface CheckCase {
  readonly check: string
  readonly face: CheckFace
  readonly ns: number
  readonly vsFloor: Ratio
  /** Its ratio to the floor over the default pool's (the hot path's 1500-byte group). */
  readonly overDefault: Ratio
}

export interface CheckFigures {
  readonly rounds: number
  readonly cases: CheckCase[]
}

/** One option and face against the floor, interleaved: what one child process measures. */
export async function measureCheck(check: string, face: CheckFace, rounds: number): Promise<FaceFigures> {
  const options = CHECKS.find(c => c.name === check)?.options
  if (!options) throw new Error(`unknown check ${check}`)
  const spec = { ...HOT_PATH_GROUPS.find(g => g.name === '1500')!, faces: ['floor', face] as const, poolOptions: options }
  const t = timeInterleaved(groupCases(spec, await loadMemPool()), rounds)
  const faceNs = t.ns.get(`1500/${face}`)!
  const floorNs = t.ns.get('1500/floor')!
  return { group: '1500', face, ns: medianNs(t, `1500/${face}`), floorNs: medianNs(t, '1500/floor'), perRound: faceNs.map((ns, r) => ns / floorNs[r]!) }
}

function summary(values: readonly number[]): Ratio {
  return { median: quantile(values, 0.5), p25: quantile(values, 0.25), p75: quantile(values, 0.75) }
}

export function checkFigures(rounds: number, hot: HotPathFigures, measured: ReadonlyArray<{ check: string; figures: FaceFigures }>): CheckFigures {
  const defaults = hot.groups.find(g => g.name === '1500')!.faces
  return {
    rounds,
    cases: measured.map(({ check, figures }) => {
      const face = figures.face as CheckFace
      const vsFloor = summary(figures.perRound)
      const base = defaults[face]!.vsFloor
      return { check, face, ns: figures.ns, vsFloor, overDefault: { median: vsFloor.median / base.median, p25: vsFloor.p25 / base.p75, p75: vsFloor.p75 / base.p25 } }
    }),
  }
}

export function printChecks(f: CheckFigures): string[] {
  const w = [34, 9, 9, 11, 12]
  const lines = [
    'Checking options: 1500 B pairs, 1,024 live, oldest replaced. Each option and face in its own process against',
    'its floor; "vs default" is its ratio to the floor over the default pool\'s (above), p25-p75 crossed.',
    row(['', 'ns/pair', 'vs floor', 'vs default', 'p25-p75'], w),
  ]
  for (const c of f.cases) {
    lines.push(row([`${c.face === 'lease' ? 'Lease' : 'handles'}, ${c.check}`, formatNs(c.ns), `${formatRatio(c.vsFloor.median)}x`,
      `${formatRatio(c.overDefault.median)}x`, `${formatRatio(c.overDefault.p25)}-${formatRatio(c.overDefault.p75)}`], w))
  }
  return lines
}
