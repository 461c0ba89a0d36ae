// One measurement of the report, run in a process of its own:
//   node dist/benchmarks/report.js --section <name> [options] [--json]
// prints what it measured as a short table a person can read; the report
// (the parent process) passes --json and reads the figures from stdout.
import { formatNs, formatRatio, quantile, row, type Ratio } from './harness.js'
import { selfCheckDisagreement, SELF_CHECK_TOLERANCE } from './bars.js'
import { measureCheck, type CheckFace } from './checks.js'
import { measureFootprint, printFootprint } from './footprint.js'
import { measureFace, measureSelfCheck, type FaceFigures, type SelfCheck } from './hot-path.js'
import { MAX_TIME_S, QUICK_MAX_TIME_S, measureBurstFace, type BurstFace, type BurstFaceFigures } from './burst.js'
import { measurePaths, pathFigures, printPaths, type PathComparison } from './paths.js'
import { measureFootprintCase, printRegistrationFootprint, type Workload } from './registration-footprint.js'
import { measureScalingFace, printScaling, scalingFigures } from './scaling.js'
import { measureThreads, printThreads } from './threads.js'
import type { Face } from './workloads.js'

export type Option = (name: string) => string | undefined

const spread = (r: Ratio) => `${formatRatio(r.p25)}-${formatRatio(r.p75)}`
const summary = (values: readonly number[]): Ratio => ({ median: quantile(values, 0.5), p25: quantile(values, 0.25), p75: quantile(values, 0.75) })

function describeFace(title: string, f: FaceFigures): string[] {
  const w = [30, 9, 9, 11]
  const r = summary(f.perRound)
  return [
    title,
    row(['', 'ns/pair', 'vs floor', 'p25-p75'], w),
    row(['floor (Int32Array free list)', formatNs(f.floorNs), '1.00x', ''], w),
    row([f.face, formatNs(f.ns), `${formatRatio(r.median)}x`, spread(r)], w),
  ]
}

function describeSelfCheck(s: SelfCheck): string[] {
  const w = [40, 9, 11]
  const why = selfCheckDisagreement(s)
  return [
    'Self-check: the 1500-byte handle pair and the floor as the plainest loops, over the harness\'s, same rounds',
    row(['', 'ratio', 'p25-p75'], w),
    row(['plain loop / harness, handle pair', `${formatRatio(s.handle.median)}x`, spread(s.handle)], w),
    row(['plain loop / harness, floor', `${formatRatio(s.floor.median)}x`, spread(s.floor)], w),
    why === null ? `The methods agree within ${Math.round(SELF_CHECK_TOLERANCE * 100)} %.` : `WARNING: ${why}.`,
  ]
}

function describeBurst(f: BurstFaceFigures): string[] {
  const w = [30, 11, 11]
  const ratio = (a: number[], b: number[]) => summary(a.map((ns, r) => ns / b[r]!))
  const benny = ratio(f.benny.face, f.benny.floor)
  const plain = ratio(f.plain.face, f.plain.floor)
  return [
    `IMIX bursts, ${f.face}, against the floor's burst (per-round ratios)`,
    row(['', 'vs floor', 'p25-p75'], w),
    row(['timed by benny', `${formatRatio(benny.median)}x`, spread(benny)], w),
    row(['timed by a plain loop', `${formatRatio(plain.median)}x`, spread(plain)], w),
  ]
}

/** Measures one section; returns its figures and how a person reads them. */
export async function runSection(section: string, option: Option, rounds: number, quick: boolean): Promise<{ figures: unknown; lines: () => string[] }> {
  const face = option('--face') as Face
  switch (section) {
    case 'face': {
      const f = await measureFace(option('--group')!, face, rounds)
      return { figures: f, lines: () => describeFace(`${f.group}: ${f.face} against the floor, ${rounds} interleaved rounds`, f) }
    }
    case 'self-check': {
      const s = await measureSelfCheck(rounds)
      return { figures: s, lines: () => describeSelfCheck(s) }
    }
    case 'checks': {
      const f = await measureCheck(option('--check')!, face as CheckFace, rounds)
      return { figures: f, lines: () => describeFace(`1500 B, ${option('--check')}: ${f.face} against the floor, ${rounds} interleaved rounds`, f) }
    }
    case 'scaling': {
      const f = await measureScalingFace(face, rounds)
      return { figures: f, lines: () => printScaling(scalingFigures(rounds, f)) }
    }
    case 'burst': {
      const f = await measureBurstFace(face as BurstFace, rounds, quick ? QUICK_MAX_TIME_S : MAX_TIME_S)
      return { figures: f, lines: () => describeBurst(f) }
    }
    case 'footprint': {
      const f = measureFootprint()
      return { figures: f, lines: () => printFootprint(f) }
    }
    case 'registration': {
      const c = measureFootprintCase(option('--workload') as Workload, Number(option('--buffers')))
      return { figures: c, lines: () => printRegistrationFootprint([c]) }
    }
    case 'paths': {
      const f = await measurePaths(option('--path') as PathComparison, Number(option('--size') ?? 1500), rounds)
      return { figures: f, lines: () => printPaths(pathFigures(rounds, [f])) }
    }
    case 'threads': {
      // Run by hand only (not in the full report): the baseline for issue 19's shared pool.
      const f = await measureThreads(Number(option('--leases') ?? 1000), rounds)
      return { figures: f, lines: () => printThreads(f) }
    }
    default:
      throw new Error(`unknown section ${section}: face, self-check, checks, scaling, burst, footprint, registration, paths, threads`)
  }
}

/** The child's whole job: measure, then print words (or JSON for the parent, with --json). */
export async function child(section: string, option: Option, rounds: number, quick: boolean, json: boolean): Promise<void> {
  const { figures, lines } = await runSection(section, option, rounds, quick)
  process.stdout.write(json ? JSON.stringify(figures) : lines().join('\n') + '\n')
}
