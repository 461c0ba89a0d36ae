// Per-pair cost must not grow with the live set: the 1500-byte pair with 1 K
// and with 1 M leases held, victims chosen at random (so every lookup can
// miss the cache), each against a floor of the same shape, interleaved in
// one process per face. measureScalingFace() returns one process's figures,
// scalingFigures() assembles them, printScaling() formats them.
import { formatNs, formatRatio, median, medianNs, quantile, row, timeInterleaved, type Ratio } from './harness.js'
import { MiB, fixedSizes, groupCases, loadMemPool, type Face, type GroupSpec } from './workloads.js'

export const SCALING_GROUPS: readonly GroupSpec[] = [
  { name: '1 K', live: 1 << 10, randomVictims: true, sizes: fixedSizes(1500), faces: [], arenaSize: 64 * MiB },
  { name: '1 M', live: 1 << 20, randomVictims: true, sizes: fixedSizes(1500), faces: [], arenaSize: 64 * MiB },
]

/** One face at 1 K and 1 M live, each against its floor, interleaved: what one child process measures. */
export interface ScalingFace {
  readonly face: Face
  readonly floorNs: number[]
  readonly ns: number[]
  /** Per round, face/floor at each live count, and the 1 M ratio over the 1 K ratio. */
  readonly ratios: number[][]
  readonly growth: number[]
}

export async function measureScalingFace(face: Face, rounds: number): Promise<ScalingFace> {
  const Mem = await loadMemPool()
  const t = timeInterleaved(SCALING_GROUPS.flatMap(g => groupCases({ ...g, faces: ['floor', face] }, Mem)), rounds)
  const perRound = (name: string) => t.ns.get(`${name}/${face}`)!.map((ns, r) => ns / t.ns.get(`${name}/floor`)![r]!)
  const ratios = SCALING_GROUPS.map(g => perRound(g.name))
  return {
    face,
    floorNs: SCALING_GROUPS.map(g => medianNs(t, `${g.name}/floor`)),
    ns: SCALING_GROUPS.map(g => medianNs(t, `${g.name}/${face}`)),
    ratios,
    growth: ratios[1]!.map((big, r) => big / ratios[0]![r]!),
  }
}

export interface ScalingFigures {
  readonly rounds: number
  readonly points: Array<{ name: string; live: number; floorNs: number; handleNs: number; handle: Ratio }>
  /** Per-round (1 M handle/floor ratio) / (1 K handle/floor ratio), median: the bar. */
  readonly growth: number
  /** The 25th and 75th percentiles of the same per-round ratios. */
  readonly growthSpread: { readonly p25: number; readonly p75: number }
}

/**
 * Assembles a child's figures. Handles only: a Lease ring of 1 M keeps the
 * old generation busy, and the 1 K Lease case in the same process paid for
 * its collections, so its figures meant nothing.
 */
/**
 * Processes the report runs the scaling in: at 1 M live, one process's
 * figures differ from the next's far more than its rounds do (its growth
 * ranged 1.7-4.8 between runs whose rounds agreed within 0.2), so the figure
 * pools the rounds of several.
 */
export const SCALING_PROCESSES = 3

/** Several processes' figures as one: every round pooled, ns the median over processes. */
export function mergeScalingFaces(faces: readonly ScalingFace[]): ScalingFace {
  const across = (pick: (f: ScalingFace) => number[]) => SCALING_GROUPS.map((_, k) => quantile(faces.map(f => pick(f)[k]!), 0.5))
  return {
    face: faces[0]!.face,
    floorNs: across(f => f.floorNs),
    ns: across(f => f.ns),
    ratios: SCALING_GROUPS.map((_, k) => faces.flatMap(f => f.ratios[k]!)),
    growth: faces.flatMap(f => f.growth),
  }
}

export function scalingFigures(rounds: number, handles: ScalingFace): ScalingFigures {
  const points = SCALING_GROUPS.map(({ name, live }, k) => ({
    name,
    live,
    floorNs: handles.floorNs[k]!,
    handleNs: handles.ns[k]!,
    handle: summary(handles.ratios[k]!),
  }))
  return { rounds, points, growth: median(handles.growth), growthSpread: { p25: quantile(handles.growth, 0.25), p75: quantile(handles.growth, 0.75) } }
}

function summary(values: readonly number[]): Ratio {
  return { median: median(values), p25: quantile(values, 0.25), p75: quantile(values, 0.75) }
}

export function printScaling(f: ScalingFigures): string[] {
  const w = [42, 9, 9, 9]
  return [
    `Scaling: 1500-byte handle pairs by leases live, random victims (${f.rounds} interleaved rounds). Random victims:`,
    'each step releases a lease picked at random from the ring, so a lookup can miss the cache, as a real server\'s would.',
    row(['', 'floor ns', 'handle ns', 'vs floor'], w),
    ...f.points.map(p => row([`${p.live.toLocaleString('en-US')} live`, formatNs(p.floorNs), formatNs(p.handleNs), `${formatRatio(p.handle.median)}x`], w)),
    row(['growth of the ratio, 1 M over 1 K', '', '', `${formatRatio(f.growth)}x`], w) +
      (f.growthSpread ? `  p25-p75 ${formatRatio(f.growthSpread.p25)}-${formatRatio(f.growthSpread.p75)}` : ''),
  ]
}
