// npm run bench: the benchmark report. Every measurement runs in a fresh
// Node process (one per size and face, with its own floor; one per scaling
// face; the self-check; the footprint), so none inherits another's type
// feedback or pays for another's garbage collection, and hands back its
// figures as JSON; this process prints them and checks the issue's bars.
//   node dist/benchmarks/report.js [--rounds N]
import { execFileSync } from 'node:child_process'
import * as os from 'node:os'
import { platform } from '../lib/index.js'
import { formatRatio } from './harness.js'
import { measureFootprint, printFootprint, type FootprintFigures } from './footprint.js'
import {
  HOT_PATH_GROUPS, hotPathFigures, measureFace, measureSelfCheck, printHotPath, type FaceFigures, type HotPathFigures, type SelfCheck,
} from './hot-path.js'
import { measureScalingFace, printScaling, scalingFigures, type ScalingFace, type ScalingFigures } from './scaling.js'
import type { Face } from './workloads.js'

const DEFAULT_ROUNDS = 41

interface Bar {
  readonly figure: string
  readonly value: number
  readonly bar: string
  readonly goal: string
  readonly met: boolean
}

export function bars(hot: HotPathFigures, scaling: ScalingFigures, footprint: FootprintFigures): Bar[] {
  const group = (name: string) => hot.groups.find(g => g.name === name)!
  const g1500 = group('1500')
  const handle = g1500.faces.handles!.vsFloor.median
  const lease = g1500.faces.lease!.vsFloor.median
  const alloc = g1500.allocUnsafeOverLease.median
  const slowestThing = Math.min(...hot.groups.map(g => g.thingOverHandle.median))
  const mib = group('1 MiB').allocUnsafeOverLease.median
  return [
    { figure: 'handle pair at 1500 B, x the floor', value: handle, bar: '<= 5', goal: '<= 2.5', met: handle <= 5 },
    { figure: 'Lease pair at 1500 B, x the floor', value: lease, bar: '<= 8', goal: '<= 5', met: lease <= 8 },
    { figure: 'Buffer.allocUnsafe(1500) over the Lease pair', value: alloc, bar: '>= 10', goal: '>= 15', met: alloc >= 10 },
    { figure: '@thi.ng/malloc over a handle pair, lowest size', value: slowestThing, bar: '> 1 at every size', goal: '', met: slowestThing > 1 },
    { figure: 'Buffer.allocUnsafe(1 MiB) over the 1 MiB Lease pair', value: mib, bar: '>= 3', goal: '', met: mib >= 3 },
    { figure: '1 M live random victims: ratio over the 1 K ratio', value: scaling.growth, bar: '<= 2', goal: '<= 1.2', met: scaling.growth <= 2 },
    { figure: 'IMIX arena bytes over requested bytes', value: footprint.imixRatio, bar: '<= 1.10', goal: '', met: footprint.imixRatio <= 1.1 },
  ]
}

export function printBars(list: readonly Bar[]): string[] {
  return [
    'Bars (issue 8): medians of interleaved rounds in one process',
    ...list.map(b => `${b.met ? 'MET    ' : 'NOT MET'}  ${b.figure.padEnd(52)} ${formatRatio(b.value).padStart(6)}x  bar ${b.bar}${b.goal ? `, goal ${b.goal}` : ''}`),
  ]
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name)
  return at >= 0 ? process.argv[at + 1] : undefined
}

function inChild<T>(rounds: number, ...args: string[]): T {
  const out = execFileSync(process.execPath, ['--max-old-space-size=4096', __filename, '--rounds', String(rounds), ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 })
  return JSON.parse(out) as T
}

async function child(section: string, rounds: number): Promise<void> {
  const face = option('--face') as Face
  const figures = section === 'face' ? await measureFace(option('--group')!, face, rounds)
    : section === 'self-check' ? await measureSelfCheck(rounds)
    : section === 'scaling' ? await measureScalingFace(face, rounds)
    : section === 'footprint' ? measureFootprint()
    : undefined
  if (figures === undefined) throw new Error(`unknown section ${section}`)
  process.stdout.write(JSON.stringify(figures))
}

function measureHotPathInChildren(rounds: number): HotPathFigures {
  const faces: FaceFigures[] = []
  for (const group of HOT_PATH_GROUPS) {
    for (const face of group.faces) if (face !== 'floor') faces.push(inChild<FaceFigures>(rounds, '--section', 'face', '--group', group.name, '--face', face))
  }
  return hotPathFigures(rounds, faces, inChild<SelfCheck>(rounds, '--section', 'self-check'))
}

async function main(): Promise<void> {
  const rounds = Number(option('--rounds') ?? DEFAULT_ROUNDS)
  const section = option('--section')
  if (section !== undefined) return child(section, rounds)

  const started = Date.now()
  const info = platform()
  console.log('rio-buffer-pool benchmark report (npm run bench)')
  console.log(`node ${process.version}, ${process.platform} ${process.arch}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? 'unknown CPU'}`)
  console.log(`1-minute load average at the start: ${os.loadavg()[0]!.toFixed(1)} (other work on this machine skews the ratios)`)
  console.log(`RIO ${info.rio.available ? 'available' : `unavailable (${info.rio.error?.code})`}; benchmark pools use registration: 'off'`)
  console.log('Pools and baselines reach the loops as arguments; every result is held in the live ring until replaced.')
  console.log('')
  const hot = measureHotPathInChildren(rounds)
  console.log(printHotPath(hot).join('\n'))
  console.log('')
  const scaling: ScalingFigures = scalingFigures(rounds, inChild<ScalingFace>(rounds, '--section', 'scaling', '--face', 'handles'))
  console.log(printScaling(scaling).join('\n'))
  console.log('')
  const footprint = inChild<FootprintFigures>(rounds, '--section', 'footprint')
  console.log(printFootprint(footprint).join('\n'))
  console.log('')
  console.log(printBars(bars(hot, scaling, footprint)).join('\n'))
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`)
}

main().catch(error => {
  console.error(error)
  process.exitCode = 1
})
