// Per-pair cost must not grow with the live set: the 1500-byte pair with 1 K
// and with 1 M leases held, victims chosen at random (so every lookup can
// miss the cache), each against a floor of the same shape, interleaved in
// one process. measureScaling() returns figures; printScaling() formats them.
import { formatNs, formatRatio, medianNs, ratio, row, timeInterleaved, type Ratio } from './harness.js'
import { MiB, fixedSizes, groupCases, loadMemPool, type Face, type GroupSpec } from './workloads.js'

const FACES: readonly Face[] = ['floor', 'handles', 'lease']
export const SCALING_GROUPS: readonly GroupSpec[] = [
  { name: '1 K', live: 1 << 10, randomVictims: true, sizes: fixedSizes(1500), faces: FACES, arenaSize: 64 * MiB },
  { name: '1 M', live: 1 << 20, randomVictims: true, sizes: fixedSizes(1500), faces: FACES, arenaSize: 64 * MiB },
]

export interface ScalingFigures {
  readonly rounds: number
  readonly points: Array<{ name: string; live: number; floorNs: number; handleNs: number; leaseNs: number; handle: Ratio; lease: Ratio }>
  /** Per-round (1 M handle/floor ratio) / (1 K handle/floor ratio), median: the bar. */
  readonly growth: number
  readonly leaseGrowth: number
}

export async function measureScaling(rounds: number): Promise<ScalingFigures> {
  const Mem = await loadMemPool()
  const t = timeInterleaved(SCALING_GROUPS.flatMap(g => groupCases(g, Mem)), rounds)
  const points = SCALING_GROUPS.map(({ name, live }) => ({
    name,
    live,
    floorNs: medianNs(t, `${name}/floor`),
    handleNs: medianNs(t, `${name}/handles`),
    leaseNs: medianNs(t, `${name}/lease`),
    handle: ratio(t, `${name}/handles`, `${name}/floor`),
    lease: ratio(t, `${name}/lease`, `${name}/floor`),
  }))
  const perRound = (face: string) => {
    const r = (n: string) => t.ns.get(`${n}/${face}`)!.map((ns, k) => ns / t.ns.get(`${n}/floor`)![k]!)
    const big = r('1 M')
    const small = r('1 K')
    return big.map((v, k) => v / small[k]!).sort((a, b) => a - b)[rounds >> 1]!
  }
  return { rounds, points, growth: perRound('handles'), leaseGrowth: perRound('lease') }
}

export function printScaling(f: ScalingFigures): string[] {
  const w = [42, 9, 9, 9, 9, 9]
  return [
    `Scaling: 1500-byte pairs by leases live, random victims (${f.rounds} interleaved rounds)`,
    row(['', 'floor ns', 'handle ns', 'vs floor', 'Lease ns', 'vs floor'], w),
    ...f.points.map(p => row([`${p.live.toLocaleString('en-US')} live`, formatNs(p.floorNs), formatNs(p.handleNs),
      `${formatRatio(p.handle.median)}x`, formatNs(p.leaseNs), `${formatRatio(p.lease.median)}x`], w)),
    row(['growth of the ratio, 1 M over 1 K', '', '', `${formatRatio(f.growth)}x`, '', `${formatRatio(f.leaseGrowth)}x`], w),
  ]
}
