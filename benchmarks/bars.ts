// The bars: the targets the hot path and the paths are measured against, and
// the verdict on each. A bar timed by the direct-loop harness is judged only
// when the report's self-check says the harness agrees with plain loops
// (within SELF_CHECK_TOLERANCE): when the two methods disagree, the same
// figures cannot say MET or MISSED, and the bar is UNSURE, with the reason.
// A bar counted rather than timed (memory) does not depend on the harness.
import { formatRatio, type Ratio } from './harness.js'
import type { HotPathFigures, SelfCheck } from './hot-path.js'
import { pathRatio, type PathFigures } from './paths.js'
import type { ScalingFigures } from './scaling.js'
import type { FootprintFigures } from './footprint.js'

/** How far the plain loops may differ from the harness (either way) before the harness is the story. */
export const SELF_CHECK_TOLERANCE = 0.1

export type BarStatus = 'met' | 'missed' | 'unsure' | 'not measured'

export interface Bar {
  readonly figure: string
  /** null: not measured in this run (--quick). */
  readonly value: number | null
  readonly bar: string
  readonly goal: string
  /** The value against the bar, as measured (null: not measured). */
  readonly met: boolean | null
  /** Timed by the direct-loop harness (so judged only if its self-check agrees). */
  readonly timed: boolean
  readonly status: BarStatus
  /** Why the status is unsure, in one line. */
  readonly why?: string
}

/** Why the harness cannot be trusted in this run, in one line; null when its self-check agrees. */
export function selfCheckDisagreement(selfCheck: SelfCheck, tolerance = SELF_CHECK_TOLERANCE): string | null {
  const off = ([['handle pair', selfCheck.handle], ['floor', selfCheck.floor]] as const).filter(([, r]) => Math.abs(r.median - 1) > tolerance)
  return off.length === 0 ? null
    : `the self-check's plain loops differ from the harness by more than ${Math.round(tolerance * 100)} % (` +
      `${off.map(([name, r]) => `${name} ${formatRatio(r.median)}x`).join(', ')})`
}

/** A bar's verdict: met or missed as measured, unsure when it is timed and the harness disagrees with itself. */
export function judge(figure: string, value: number | undefined, barText: string, goal: string, holds: (v: number) => boolean, timed: boolean, distrust: string | null): Bar {
  if (value === undefined || Number.isNaN(value)) return { figure, value: null, bar: barText, goal, met: null, timed, status: 'not measured' }
  const met = holds(value)
  if (timed && distrust !== null) return { figure, value, bar: barText, goal, met, timed, status: 'unsure', why: distrust }
  return { figure, value, bar: barText, goal, met, timed, status: met ? 'met' : 'missed' }
}

const at1500 = (r: Ratio | undefined) => r?.median

export function bars(hot: HotPathFigures, paths: PathFigures | null, scaling: ScalingFigures | null, footprint: FootprintFigures): Bar[] {
  const distrust = selfCheckDisagreement(hot.selfCheck)
  const timed = (figure: string, value: number | undefined, barText: string, goal: string, holds: (v: number) => boolean) =>
    judge(figure, value, barText, goal, holds, true, distrust)
  const group = (name: string) => hot.groups.find(g => g.name === name)
  const things = hot.groups.map(g => g.thingOverHandle.median)
  return [
    timed('send path at 1500 B, over Buffer.allocUnsafe + the copy', at1500(pathRatio(paths, 'send', 1500)), '< 1', '<= 0.5', v => v < 1),
    timed('handle pair + toRioBuf(Uint32Array), over the handle pair', at1500(pathRatio(paths, 'rioBufWords', 1500)), '<= 1.5', '<= 1.2', v => v <= 1.5),
    timed('Lease pair + first lease.buffer write, over the Lease pair', at1500(pathRatio(paths, 'firstWrite', 1500)), '<= 1.5', '<= 1.2', v => v <= 1.5),
    timed('Lease pair, over the box', at1500(pathRatio(paths, 'leaseOverBox', 1500)), '<= 1.25', '<= 1.1', v => v <= 1.25),
    timed('leaseMany + releaseMany of 64, per item, over the floor', at1500(pathRatio(paths, 'batch', 1500)), '<= 2', '<= 1.5', v => v <= 2),
    timed('handle pair at 1500 B, over the floor', group('1500')?.faces.handles?.vsFloor.median, '<= 5 (held)', '<= 2.5', v => v <= 5),
    timed('1 M live random victims: ratio over the 1 K ratio', scaling?.growth, '<= 2', '<= 1.2', v => v <= 2),
    timed('Buffer.allocUnsafe(1500), over the Lease pair', group('1500')?.allocUnsafeOverLease.median, '>= 10', '>= 15', v => v >= 10),
    timed('@thi.ng/malloc over a handle pair, lowest size', things.length ? Math.min(...things) : undefined, '> 1 at every size', '', v => v > 1),
    timed('Buffer.allocUnsafe(1 MiB), over the 1 MiB Lease pair', group('1 MiB')?.allocUnsafeOverLease.median, '>= 3', '', v => v >= 3),
    judge('IMIX arena bytes over requested bytes', footprint.imixRatio, '<= 1.10', '', v => v <= 1.1, false, distrust),
  ]
}

const WORD: Record<BarStatus, string> = { met: 'MET', missed: 'MISSED', unsure: 'UNSURE', 'not measured': 'n/a' }

export function printBars(list: readonly Bar[]): string[] {
  const unsure = list.find(b => b.status === 'unsure')
  return [
    'Bars: each figure against its bar (and the goal beyond it); medians of per-round ratios',
    ...list.map(b => `${WORD[b.status].padEnd(7)}  ${b.figure.padEnd(60)} ${b.value === null ? 'not measured (--quick)' : `${formatRatio(b.value).padStart(6)}x`}  bar ${b.bar}${b.goal ? `, goal ${b.goal}` : ''}`),
    ...(unsure ? [`UNSURE: ${unsure.why}; the timed bars are not judged. Rerun on a quieter machine.`] : []),
  ]
}
