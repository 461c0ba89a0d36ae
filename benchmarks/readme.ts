// npm run bench:readme: rewrites the README's results block (between the
// bench:start and bench:end markers) from benchmarks/results/report.json, so
// every figure the README states comes from a run of `npm run bench`, with
// its command, machine, date and commit beside it.
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Bar } from './report.js'
import type { CheckFigures } from './checks.js'
import type { HotPathFigures } from './hot-path.js'
import type { ScalingFigures } from './scaling.js'
import type { FootprintCase } from './registration-footprint.js'

const root = path.join(__dirname, '..', '..')
const START = '<!-- bench:start -->'
const NOTE = '<!-- written by `npm run bench:readme` from benchmarks/results/report.json: edit neither by hand -->'
const END = '<!-- bench:end -->'

interface Report {
  meta: {
    version: string; commit: string | null; date: string; command: string; durationSeconds: number; rounds: number
    machine: { node: string; platform: string; arch: string; cpus: number; cpu: string; loadAverageAtStart: number }
  }
  bars: Bar[]
  hotPath: HotPathFigures
  checks?: CheckFigures
  scaling: ScalingFigures | null
  registration: FootprintCase[]
}

const x = (r: number) => `${r < 10 ? r.toFixed(2) : r < 100 ? r.toFixed(1) : r.toFixed(0)}x`
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 2 : 1)} MiB`
const count = (n: number) => n.toLocaleString('en-US')

export function resultsBlock(report: Report): string {
  const { meta, bars, hotPath, checks, scaling, registration } = report
  const m = meta.machine
  const way = registration[0]?.way
  const held = way === 'io_uring' ? 'pinned (VmPin)' : way === 'mlock' ? 'locked (VmLck)' : 'working set'
  const lines = [
    START,
    NOTE,
    `Measured by \`${meta.command}\` on ${meta.date.slice(0, 10)}${meta.commit ? ` at commit ${meta.commit.slice(0, 7)}` : ''}: ` +
      `Node ${m.node}, ${m.platform} ${m.arch}, ${m.cpus} CPUs (${m.cpu}), 1-minute load average ${m.loadAverageAtStart.toFixed(1)} at the start; ` +
      `${meta.rounds} interleaved rounds, ${meta.durationSeconds} s. Full text: [benchmarks/results/report.txt](benchmarks/results/report.txt).`,
    '',
    '![Memory held for registration: the pool against one registration per buffer](benchmarks/results/footprint.svg)',
    '',
    `**Registration footprint**, read from the OS (${way === 'io_uring' ? 'io_uring fixed buffers' : way === 'rio' ? 'RIO' : 'mlock'}, bytes ${held}):`,
    '',
    '| workload | live buffers | pool | its registrations | one registration per buffer | registrations | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...registration.map(c => `| ${c.workload} | ${count(c.buffers)} | ${mib(c.pool.heldBytes)} | ${count(c.pool.registrations)} | ` +
      `${mib(c.perBuffer.heldBytes)}${c.perBuffer.computed ? ' (partly computed)' : ''} | ${count(c.perBuffer.registrations)} | ${x(c.ratio)} |`),
    '',
    '**Bars** (issue 8; medians of per-round ratios):',
    '',
    '| figure | measured | bar | |',
    '| --- | ---: | --- | --- |',
    ...bars.map(b => `| ${b.figure} | ${b.value === null ? 'not measured' : x(b.value)} | ${b.bar}${b.goal ? ` (goal ${b.goal})` : ''} | ${b.met === null ? '' : b.met ? 'met' : '**missed**'} |`),
    '',
    '**Hot path**, pairs with 1,024 live (the random mix: 128, random victims), x the `Int32Array` free-list floor ([chart](benchmarks/results/hot-path.svg)):',
    '',
    '| size | handle pair | `Lease` pair | `Lease` writing its buffer | `@thi.ng/malloc`, same ring | `Buffer.allocUnsafe` |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...hotPath.groups.map(g => {
      const face = (name: keyof typeof g.faces) => (g.faces[name] ? x(g.faces[name]!.vsFloor.median) : '')
      return `| ${g.name} | ${face('handles')} | ${face('lease')} | ${face('leaseTouch')} | ${face('thing')} | ${face('allocUnsafe')} |`
    }),
  ]
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
    lines.push('', `**Scaling** ([chart](benchmarks/results/scaling.svg)): the 1500-byte handle pair with random victims costs ${x(small!.handle.median)} its floor with ` +
      `${count(small!.live)} live and ${x(big!.handle.median)} with ${count(big!.live)} live: the ratio grows ${x(scaling.growth)}.`)
  }
  lines.push(END)
  return lines.join('\n')
}

function main(): void {
  const report = JSON.parse(fs.readFileSync(path.join(root, 'benchmarks', 'results', 'report.json'), 'utf8')) as Report
  const readmePath = path.join(root, 'README.md')
  const readme = fs.readFileSync(readmePath, 'utf8')
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} block to rewrite`)
  fs.writeFileSync(readmePath, readme.slice(0, start) + resultsBlock(report) + readme.slice(end + END.length))
  console.log(`README.md: results block rewritten from benchmarks/results/report.json (${report.meta.date})`)
}

if (require.main === module) main()
