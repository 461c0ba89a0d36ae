// npm run bench:readme: rewrites two generated blocks from
// benchmarks/results/report.json, so every benchmark figure the documents
// state comes from a run of `npm run bench`, with its command, machine, date
// and commit beside it: the full results in docs/performance.md (between the
// bench:start and bench:end markers) and the README's short table (between
// bench-summary:start and bench-summary:end).
import * as fs from 'node:fs'
import * as path from 'node:path'
import { SIZE_CLASSES } from '../lib/index.js'
import { selfCheckDisagreement, type Bar } from './bars.js'
import type { CheckFigures } from './checks.js'
import type { HotPathFigures } from './hot-path.js'
import type { PathFigures, PathRatioId } from './paths.js'
import type { ScalingFigures } from './scaling.js'
import type { FootprintFigures } from './footprint.js'
import type { FootprintCase } from './registration-footprint.js'

const root = path.join(__dirname, '..', '..')
const NOTE = '<!-- written by `npm run bench:readme` from benchmarks/results/report.json: edit neither by hand -->'

/** A generated block: its markers, and the file it lives in (from the repository root). */
interface Block {
  readonly file: string
  readonly start: string
  readonly end: string
}

export const RESULTS: Block = { file: 'docs/performance.md', start: '<!-- bench:start -->', end: '<!-- bench:end -->' }
export const SUMMARY: Block = { file: 'README.md', start: '<!-- bench-summary:start -->', end: '<!-- bench-summary:end -->' }

interface Report {
  meta: {
    version: string; commit: string | null; date: string; command: string; durationSeconds: number; rounds: number
    machine: { node: string; platform: string; arch: string; cpus: number; cpu: string; loadAverageAtStart: number }
  }
  bars: Bar[]
  hotPath: HotPathFigures
  /** Absent from reports published before the path cases. */
  paths?: PathFigures
  checks?: CheckFigures
  scaling: ScalingFigures | null
  footprint?: FootprintFigures
  registration: FootprintCase[]
}

const x = (r: number) => `${r < 0.1 ? r.toPrecision(2) : r < 10 ? r.toFixed(2) : r < 100 ? r.toFixed(1) : r.toFixed(0)}x`
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 2 : 1)} MiB`
const count = (n: number) => n.toLocaleString('en-US')
// docs/performance.md links the committed results from docs/.
const results = '../benchmarks/results'

function measuredBy({ meta }: Report): string {
  return `\`${meta.command}\` on ${meta.date.slice(0, 10)}${meta.commit ? ` at commit ${meta.commit.slice(0, 7)}` : ''}`
}

function heldWay(report: Report): { way: string; held: string } {
  const way = report.registration[0]?.way
  return {
    way: way === 'io_uring' ? 'io_uring fixed buffers' : way === 'rio' ? 'RIO' : 'mlock',
    held: way === 'io_uring' ? 'pinned (VmPin)' : way === 'mlock' ? 'locked (VmLck)' : 'working set',
  }
}

const NOT_YET = 'not measured in this run'

/** A path figure's median at a size, formatted; NOT_YET when the report has none. */
function pathCell(report: Report, id: PathRatioId, size: number): string {
  const r = report.paths?.figures.find(f => f.id === id && f.size === size)?.ratio
  return r ? x(r.median) : NOT_YET
}

/** The README's table: the paths a user runs, bytes touched, against Buffer.allocUnsafe doing the same; the footprint. */
export function summaryBlock(report: Report): string {
  const m = report.meta.machine
  const at = (size: number) => `${pathCell(report, 'send', size)} / ${pathCell(report, 'receive', size)}`
  const others = [at(64), at(65536)]
  const why = selfCheckDisagreement(report.hotPath.selfCheck)
  const largest = (workload: string) => report.registration.filter(c => c.workload === workload).sort((a, b) => b.buffers - a.buffers)[0]
  const { held } = heldWay(report)
  const footprintRow = (workload: string, what: string) => {
    const c = largest(workload)
    return c ? [`| ${what}: bytes ${held} with one registration per buffer, over the pool's (${count(c.buffers)} live) | ` +
      `${x(c.ratio)} (${mib(c.perBuffer.heldBytes)} against ${mib(c.pool.heldBytes)}) |`] : []
  }
  return [
    SUMMARY.start,
    NOTE,
    '| figure (below 1x the pool is faster) | ratio |',
    '| --- | ---: |',
    `| send, 1500 B: lease, copy a payload into \`lease.buffer\`, write its \`RIO_BUF\`, release; over \`Buffer.allocUnsafe(1500)\` + the same copy | ${pathCell(report, 'send', 1500)} |`,
    `| receive, 1500 B: lease, write its \`RIO_BUF\`, read 16 bytes of \`lease.buffer\`, release; over \`Buffer.allocUnsafe(1500)\` + the same reads | ${pathCell(report, 'receive', 1500)} |`,
    `| the same, send / receive, at 64 B; at 64 KiB | ${others.some(c => c.includes(NOT_YET)) ? NOT_YET : others.join('; ')} |`,
    ...footprintRow('IMIX', 'IMIX packets (40/576/1500 B)'),
    ...footprintRow('1500 B', '1500-byte buffers'),
    '',
    ...(why ? [`In this run ${why}: the timed figures are uncertain.`, ''] : []),
    `Measured by ${measuredBy(report)} (Node ${m.node}, ${m.platform} ${m.arch}, ${m.cpus} CPUs). ` +
      'Every figure, the method and what they mean: [docs/performance.md](docs/performance.md).',
    SUMMARY.end,
  ].join('\n')
}

/**
 * A bar's verdict cell. Reports published before bars carried a status hold
 * only met: the same rule applies to them (every bar but the memory one was
 * timed), so a run whose self-check warned shows no "met" beside its figures.
 */
function verdict(b: Bar, why: string | null): string {
  const timed = b.timed ?? !b.figure.startsWith('IMIX arena bytes')
  const status = b.status ?? (b.met === null ? 'not measured' : timed && why ? 'unsure' : b.met ? 'met' : 'missed')
  return status === 'met' ? 'met' : status === 'missed' ? '**missed**' : status === 'unsure' ? 'unsure' : ''
}

function unsureNote(bars: readonly Bar[], why: string | null): string[] {
  return why && bars.some(b => verdict(b, why) === 'unsure') ? ['', `Unsure: ${why}, so the timed bars are not judged in this run.`] : []
}

/** docs/performance.md's results: every figure of the run. */
export function resultsBlock(report: Report): string {
  const { meta, bars, hotPath, paths, checks, scaling, registration, footprint } = report
  const m = meta.machine
  const { way, held } = heldWay(report)
  const why = selfCheckDisagreement(hotPath.selfCheck)
  const lines = [
    RESULTS.start,
    NOTE,
    `Measured by ${measuredBy(report)}: ` +
      `Node ${m.node}, ${m.platform} ${m.arch}, ${m.cpus} CPUs (${m.cpu}), 1-minute load average ${m.loadAverageAtStart.toFixed(1)} at the start; ` +
      `${meta.rounds} interleaved rounds, ${meta.durationSeconds} s. Full text: [benchmarks/results/report.txt](${results}/report.txt).`,
    '',
    `![Memory held for registration: the pool against one registration per buffer](${results}/footprint.svg)`,
    '',
    `**Registration footprint**, read from the OS (${way}, bytes ${held}):`,
    '',
    '| workload | live buffers | pool | its registrations | one registration per buffer | registrations | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...registration.map(c => `| ${c.workload} | ${count(c.buffers)} | ${mib(c.pool.heldBytes)} | ${count(c.pool.registrations)} | ` +
      `${mib(c.perBuffer.heldBytes)}${c.perBuffer.computed ? ' (partly computed)' : ''} | ${count(c.perBuffer.registrations)} | ${x(c.ratio)} |`),
    '',
    '**Bars** (the targets the hot path and the paths are measured against; medians of per-round ratios):',
    '',
    '| figure | measured | bar | |',
    '| --- | ---: | --- | --- |',
    ...bars.map(b => `| ${b.figure} | ${b.value === null ? 'not measured' : x(b.value)} | ${b.bar}${b.goal ? ` (goal ${b.goal})` : ''} | ${verdict(b, why)} |`),
    ...unsureNote(bars, why),
    '',
    `**Hot path**, pairs with 1,024 live (the random mix: 128, random victims), x the \`Int32Array\` free-list floor ([chart](${results}/hot-path.svg)):`,
    '',
    '| size | handle pair | `Lease` pair | `Lease` writing its buffer | `@thi.ng/malloc`, same ring | `Buffer.allocUnsafe` |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...hotPath.groups.map(g => {
      const face = (name: keyof typeof g.faces) => (g.faces[name] ? x(g.faces[name]!.vsFloor.median) : '')
      return `| ${g.name} | ${face('handles')} | ${face('lease')} | ${face('leaseTouch')} | ${face('thing')} | ${face('allocUnsafe')} |`
    }),
  ]
  if (paths && paths.figures.length > 0) {
    const ids = [...new Set(paths.figures.map(f => f.id))]
    lines.push('', `**Paths**, each over its baseline timed in the same rounds of the same process, 1,024 live ([chart](${results}/paths.svg)); below 1x the path is faster:`, '',
      `| figure | ${paths.sizes.map(size => `${size} B`).join(' | ')} |`, `| --- |${paths.sizes.map(() => ' ---: |').join('')}`,
      ...ids.map(id => `| ${paths.figures.find(f => f.id === id)!.label} | ${paths.sizes.map(size => {
        const r = paths.figures.find(f => f.id === id && f.size === size)?.ratio
        return r ? `${x(r.median)} (${x(r.p25)}-${x(r.p75)})` : ''
      }).join(' | ')} |`))
  }
  if (checks && checks.cases.length > 0) {
    const byCheck = new Map<string, Partial<Record<string, string>>>()
    for (const c of checks.cases) {
      const cells = byCheck.get(c.check) ?? {}
      cells[c.face] = `${x(c.vsFloor.median)} (${x(c.overDefault.median)})`
      byCheck.set(c.check, cells)
    }
    lines.push('', '**Checking options** (1500 B, 1,024 live): x the floor, and in brackets x the default pool\'s pair; each option in its own process:', '',
      '| option | `Lease` pair | handle pair |', '| --- | ---: | ---: |',
      ...[...byCheck].map(([check, cells]) => `| \`${check}\` | ${cells['lease'] ?? ''} | ${cells['handles'] ?? ''} |`))
  }
  if (scaling) {
    const [small, big] = scaling.points
    lines.push('', `**Scaling** ([chart](${results}/scaling.svg)): the 1500-byte handle pair with random victims costs ${x(small!.handle.median)} its floor with ` +
      `${count(small!.live)} live and ${x(big!.handle.median)} with ${count(big!.live)} live: the ratio grows ${x(scaling.growth)}` +
      `${scaling.growthSpread ? ` (p25-p75 ${x(scaling.growthSpread.p25)}-${x(scaling.growthSpread.p75)})` : ''}.`)
  }
  if (footprint) {
    const { imix, drain, trickle, perSlot } = footprint
    lines.push('', '**Memory**, counted rather than timed (the same on every run of this code):', '',
      '| figure | measured |', '| --- | ---: |',
      `| IMIX (40/576/1500 B, 7:4:1) filling ${imix.arenas} arenas of ${mib(imix.arenaBytes / imix.arenas)}: arena bytes over bytes asked for | ${footprint.imixRatio.toFixed(3)}x |`,
      `| ${count(drain.longLived)} long-lived leases, a burst of 30,000 short-lived ones drained, \`trim()\`: arena bytes over the long-lived bytes | ${footprint.drainRatio.toFixed(2)}x |`,
      `| the same with 1 in 100 of the burst kept (${count(trickle.longLived)} long-lived) | ${footprint.trickleRatio.toFixed(1)}x |`,
      ...Object.entries(perSlot).map(([size, bytes]) => {
        const slot = SIZE_CLASSES.find(c => c.size >= Number(size))?.size
        const leased = slot === Number(size) ? `${size}-byte leases` : `${size}-byte leases (${slot}-byte slots)`
        const share = (bytes / slot!) * 100
        return `| allocator bookkeeping per slot, a 16 MiB arena filled with ${leased} | ${bytes.toFixed(2)} bytes (${share < 10 ? share.toFixed(1) : share.toFixed(0)} % of the slot) |`
      }))
  }
  lines.push(RESULTS.end)
  return lines.join('\n')
}

/** `text` with its block between `block`'s markers replaced by `content`. */
export function replaceBlock(text: string, block: Block, content: string): string {
  const start = text.indexOf(block.start)
  const end = text.indexOf(block.end)
  if (start < 0 || end < start) throw new Error(`${block.file} has no ${block.start} ... ${block.end} block to rewrite`)
  return text.slice(0, start) + content + text.slice(end + block.end.length)
}

function main(): void {
  const report = JSON.parse(fs.readFileSync(path.join(root, 'benchmarks', 'results', 'report.json'), 'utf8')) as Report
  for (const [block, content] of [[RESULTS, resultsBlock(report)], [SUMMARY, summaryBlock(report)]] as const) {
    const file = path.join(root, block.file)
    fs.writeFileSync(file, replaceBlock(fs.readFileSync(file, 'utf8'), block, content))
    console.log(`${block.file}: results block rewritten from benchmarks/results/report.json (${report.meta.date})`)
  }
}

if (require.main === module) main()
