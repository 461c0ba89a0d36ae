// npm run bench: the benchmark report. Every measurement runs in a fresh
// Node process (one per size and face, with its own floor; one per path
// comparison and size, with its baseline; one per scaling face; the
// self-check; one per face of the IMIX bursts benny times; the footprint; one
// per registration-footprint case), so none inherits another's type feedback
// or pays for another's garbage collection, and hands back its figures as
// JSON (benchmarks/sections.ts; run by hand, a section prints a short table
// instead: node dist/benchmarks/report.js --section self-check; the threads
// section, benchmarks/threads.ts, runs only so, by hand). This
// process shows a line per case as it finishes, then prints the report,
// checks the bars, and writes report.json, report.txt and the charts to
// benchmarks/results/latest/ (gitignored: a run never changes a tracked file;
// `npm run bench:publish` makes the latest run the committed results in
// benchmarks/results/).
//   node dist/benchmarks/report.js [--quick] [--check] [--rounds N]
//   node dist/benchmarks/report.js --section <name> [its options] [--json]
// --quick: a few cases and rounds (under 30 s), written to results/quick/.
// --check: exit 1 when a measured bar is missed, or is UNSURE (the
// self-check found the harness disagreeing with plain loops, so the timed
// bars cannot be judged: a check that cannot vouch for its figures fails).
// --rounds N: rounds of the direct loops (default 41, quick 11); the bursts
// keep their own (11, quick 3; a round takes about half a second per face).
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { platform } from '../lib/index.js'
import { bars, printBars } from './bars.js'
import { CHECKS, checkFigures, printChecks, type CheckFace } from './checks.js'
import { formatRatio, median } from './harness.js'
import { writeCharts } from './report-charts.js'
import { printRegistrationFootprint, type FootprintCase, type Workload } from './registration-footprint.js'
import { printFootprint, type FootprintFigures } from './footprint.js'
import { HOT_PATH_GROUPS, hotPathFigures, printHotPath, type FaceFigures, type SelfCheck } from './hot-path.js'
import { BURST_FACES, burstFigures, printBurst, type BurstFaceFigures } from './burst.js'
import { PATH_COMPARISONS, PATH_SIZES, pathFigures, printPaths, type PathComparison, type PathProcessFigures } from './paths.js'
import { SCALING_PROCESSES, mergeScalingFaces, printScaling, scalingFigures, type ScalingFace } from './scaling.js'
import { runDir } from './results-paths.js'
import { child } from './sections.js'
import type { Face } from './workloads.js'

const DEFAULT_ROUNDS = 41
/** Rounds of the benny-timed bursts: each takes about half a second per face. */
const BURST_ROUNDS = 11
const QUICK_BURST_ROUNDS = 3

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name)
  return at >= 0 ? process.argv[at + 1] : undefined
}

/** Runs one section in a child process; it hands its figures back as JSON on stdout (--json). */
function inChild<T>(rounds: number, ...args: string[]): T {
  const out = execFileSync(process.execPath, ['--max-old-space-size=4096', __filename, '--rounds', String(rounds), '--json', ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 })
  return JSON.parse(out) as T
}

interface Plan {
  readonly quick: boolean
  readonly rounds: number
  readonly faces: ReadonlyArray<{ group: string; face: Face }>
  readonly scaling: boolean
  readonly checks: ReadonlyArray<{ check: string; face: CheckFace }>
  readonly burstRounds: number
  readonly registration: ReadonlyArray<{ workload: Workload; buffers: number }>
  readonly paths: ReadonlyArray<{ comparison: PathComparison; size: number }>
}

function plan(quick: boolean, rounds: number): Plan {
  const groups = quick ? HOT_PATH_GROUPS.filter(g => g.name === '1500' || g.name === '1 MiB') : HOT_PATH_GROUPS
  const quickFaces: readonly Face[] = ['handles', 'lease', 'allocUnsafe', 'thing']
  return {
    quick,
    rounds,
    faces: groups.flatMap(g => g.faces.filter(f => f !== 'floor' && (!quick || quickFaces.includes(f))).map(face => ({ group: g.name, face }))),
    scaling: !quick,
    // --quick: the default-rate sampling only, the one meant for production.
    checks: CHECKS.filter(c => !quick || c.options.leakDetection === 'sample')
      .flatMap(c => (quick ? ['lease'] as const : ['lease', 'handles'] as const).map(face => ({ check: c.name, face }))),
    burstRounds: quick ? QUICK_BURST_ROUNDS : BURST_ROUNDS,
    registration: (quick ? [1000, 10_000] : [1000, 10_000, 100_000]).flatMap(buffers =>
      (quick ? ['IMIX'] as const : ['IMIX', '512 B', '1500 B'] as const).map(workload => ({ workload, buffers }))),
    // --quick: 1500 B, the size the bars read.
    paths: (quick ? [1500] : PATH_SIZES).flatMap(size => PATH_COMPARISONS.map(comparison => ({ comparison, size }))),
  }
}

/** Runs steps in order, printing a line per step as it ends, with an estimate of the time left. */
class Progress {
  readonly #started = Date.now()
  #done = 0
  #doneWeight = 0

  constructor(readonly steps: number, readonly totalWeight: number) {}

  run<T>(label: string, weight: number, step: () => T, describe: (result: T) => string): T {
    const result = step()
    this.#done++
    this.#doneWeight += weight
    const elapsed = (Date.now() - this.#started) / 1000
    const left = (elapsed / this.#doneWeight) * (this.totalWeight - this.#doneWeight)
    const count = `${String(this.#done).padStart(String(this.steps).length)}/${this.steps}`
    console.log(`[${count}] ${label.padEnd(26)} ${describe(result).padEnd(34)} ${elapsed.toFixed(0).padStart(4)} s, about ${left.toFixed(0)} s left`)
    return result
  }
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], cwd: __dirname }).trim()
  } catch {
    return null
  }
}

function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version
}

const UNITS = {
  'hotPath.groups[].floorNs, faces.*.ns, scaling.points[].*Ns': 'nanoseconds per pair (median over rounds)',
  'faces.*.vsFloor, allocUnsafeOverLease, thingOverHandle, scaling.points[].handle': 'ratio: median and 25th/75th percentiles of per-round ratios',
  'checks.cases[].ns': 'nanoseconds per pair (median over rounds)',
  'checks.cases[].vsFloor, checks.cases[].overDefault': 'ratio: median and 25th/75th percentiles (overDefault: its ratio to the floor over the default pool\'s, quartiles crossed)',
  'burst.floorNs, burst.faces.*.ns': 'nanoseconds per lease: benny\'s median time per call of 1,000 leases (median over rounds), over 1,000',
  'burst.faces.*.vsFloor, burst.faces.*.plainVsFloor, burst.plainOverBenny.*': 'ratio: median and 25th/75th percentiles of per-round ratios',
  'burst.allocUnsafeOverLease, burst.plainAllocUnsafeOverLease': 'ratio: the two faces\' medians to their floors, divided (quartiles crossed)',
  'footprint.*Bytes, registration[].*.heldBytes, registration[].*Bytes': 'bytes',
  'registration[].ratio': 'one-by-one held bytes over pool held bytes',
  'registration[].*.registrations': 'kernel registration records',
  'paths.figures[].ratio': 'ratio: median and 25th/75th percentiles of per-round ratios of the path over its baseline, same rounds',
  'paths.figures[].ns, paths.figures[].baselineNs': 'nanoseconds per step (the batch: per item), median over rounds',
  'scaling.growthSpread': 'ratio: 25th/75th percentiles of the per-round 1 M ratio over the 1 K ratio',
  'meta.durationSeconds': 'seconds',
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick')
  const rounds = Number(option('--rounds') ?? (quick ? 11 : DEFAULT_ROUNDS))
  const section = option('--section')
  if (section !== undefined) return child(section, option, rounds, quick, process.argv.includes('--json'))

  const started = Date.now()
  const info = platform()
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  const machine = `Node ${process.version}, ${process.platform} ${process.arch}, ${os.cpus().length} CPUs (${cpu.trim()})`
  const load = os.loadavg()[0]!
  const header = [
    `rio-buffer-pool ${packageVersion()} benchmark report (npm run bench${quick ? ' -- --quick' : ''})`,
    machine,
    `1-minute load average at the start: ${load.toFixed(1)} (other work on this machine skews the ratios)`,
    `RIO ${info.rio.available ? 'available' : `unavailable (${info.rio.error?.code})`}, io_uring ${info.ioUring.available ? 'available' : `unavailable (${info.ioUring.error?.code})`}; speed pools use registration: 'off' (registration is not on the lease/release path)`,
    'Pools and baselines reach the loops as arguments; every result is held in the live ring until replaced.',
  ]
  console.log(header.join('\n'))
  console.log('')

  const p = plan(quick, rounds)
  const steps = p.faces.length + p.paths.length + p.checks.length + 2 + BURST_FACES.length + (p.scaling ? 1 : 0) + p.registration.length
  const weight = { face: 1, selfCheck: 1, burst: p.burstRounds / 5, scaling: 6 * SCALING_PROCESSES, footprint: 3, registration: (n: number) => 0.5 + n / 25_000 }
  const progress = new Progress(steps, p.faces.length + p.paths.length + p.checks.length + 1 + BURST_FACES.length * weight.burst + (p.scaling ? weight.scaling : 0) + 3 +
    p.registration.reduce((sum, r) => sum + weight.registration(r.buffers), 0))
  const faceFigures = p.faces.map(({ group, face }) => progress.run(`${group} ${face}`, weight.face,
    () => inChild<FaceFigures>(rounds, '--section', 'face', '--group', group, '--face', face),
    f => `${formatRatio(median(f.perRound))}x the floor`))
  const selfCheck = progress.run('self-check', weight.selfCheck, () => inChild<SelfCheck>(rounds, '--section', 'self-check'),
    s => `plain/harness ${formatRatio(s.handle.median)}`)
  const hot = hotPathFigures(rounds, faceFigures, selfCheck)
  const paths = pathFigures(rounds, p.paths.map(({ comparison, size }) => progress.run(`${size} ${comparison} path`, weight.face,
    () => inChild<PathProcessFigures>(rounds, '--section', 'paths', '--path', comparison, '--size', String(size)),
    f => Object.entries(f.ratios).map(([id, r]) => `${id} ${formatRatio(r.median)}x`).slice(0, 2).join(', '))))
  const checks = checkFigures(rounds, hot, p.checks.map(({ check, face }) => ({
    check,
    figures: progress.run(`${check} ${face}`, weight.face, () => inChild<FaceFigures>(rounds, '--section', 'checks', '--check', check, '--face', face),
      f => `${formatRatio(median(f.perRound))}x the floor`),
  })))
  const burst = burstFigures(p.burstRounds, BURST_FACES.map(face => progress.run(`IMIX bursts, ${face}`, weight.burst,
    () => inChild<BurstFaceFigures>(p.burstRounds, '--section', 'burst', '--face', face, ...(quick ? ['--quick'] : [])),
    f => `${formatRatio(median(f.benny.face) / median(f.benny.floor))}x the floor (benny)`)))
  const scaling = p.scaling
    ? progress.run('scaling 1 K to 1 M live', weight.scaling, () => scalingFigures(rounds, mergeScalingFaces(Array.from({ length: SCALING_PROCESSES },
      () => inChild<ScalingFace>(rounds, '--section', 'scaling', '--face', 'handles')))),
      s => `growth ${formatRatio(s.growth)}x`)
    : null
  const footprint = progress.run('footprint', weight.footprint, () => inChild<FootprintFigures>(rounds, '--section', 'footprint'),
    f => `IMIX ${f.imixRatio.toFixed(3)}x requested`)
  const registration = p.registration.map(({ workload, buffers }) => progress.run(`registration ${workload} ${buffers}`, weight.registration(buffers),
    () => inChild<FootprintCase>(rounds, '--section', 'registration', '--workload', workload, '--buffers', String(buffers)),
    c => `one by one ${formatRatio(c.ratio)}x the pool`))
  const barList = bars(hot, paths, scaling, footprint)

  const report = [
    ...header,
    '',
    ...printHotPath(hot),
    '',
    ...printPaths(paths),
    '',
    ...printChecks(checks),
    '',
    ...printBurst(burst),
    '',
    ...(scaling ? [...printScaling(scaling), ''] : []),
    ...printFootprint(footprint),
    '',
    ...printRegistrationFootprint(registration),
    '',
    ...printBars(barList),
  ]
  console.log('')
  console.log(report.join('\n'))

  const dir = runDir(quick)
  fs.mkdirSync(dir, { recursive: true })
  const durationSeconds = Math.round((Date.now() - started) / 1000)
  const json = {
    meta: {
      package: 'rio-buffer-pool', version: packageVersion(), commit: gitCommit(), date: new Date().toISOString(), mode: quick ? 'quick' : 'full',
      command: `npm run bench${quick ? ' -- --quick' : ''}`, rounds, durationSeconds,
      machine: { node: process.version, os: `${os.type()} ${os.release()}`, platform: process.platform, arch: process.arch, cpus: os.cpus().length, cpu: cpu.trim(), totalMemoryBytes: os.totalmem(), loadAverageAtStart: load },
      registration: { rio: info.rio, ioUring: info.ioUring },
    },
    units: UNITS,
    bars: barList,
    hotPath: hot,
    paths,
    checks,
    burst,
    scaling,
    footprint,
    registration,
  }
  fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify(json, null, 2) + '\n')
  fs.writeFileSync(path.join(dir, 'report.txt'), report.join('\n') + '\n')
  const charts = await writeCharts(dir, { hot, paths, scaling, registration, machine })
  console.log('')
  console.log(`Wrote ${path.relative(process.cwd(), dir) || '.'}/: report.json, report.txt, ${charts.join(', ')} (${durationSeconds} s)`)
  if (!quick) console.log('Untracked; `npm run bench:publish` makes this run the committed results (benchmarks/results/) and rewrites the results block from them.')
  const check = process.argv.includes('--check')
  const missed = barList.filter(b => b.status === 'missed').length
  const unsure = barList.filter(b => b.status === 'unsure').length
  if (missed > 0 || unsure > 0) {
    console.log(`${[missed > 0 ? `${missed} bar(s) missed` : '', unsure > 0 ? `${unsure} bar(s) unsure (the harness disagreed with itself)` : ''].filter(Boolean).join(', ')}` +
      `${check ? ': exiting 1 (--check)' : ''}`)
  }
  if (check && (missed > 0 || unsure > 0)) process.exitCode = 1
}

main().catch(error => {
  console.error(error)
  process.exitCode = 1
})
