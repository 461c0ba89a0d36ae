// The report's charts, drawn from the same figures report.json holds: the
// registration footprint, the pairs against the floor by size, the paths
// against their baselines, and the scaling ratio the README quotes.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { figureSpec, groupedBarSpec, renderSvg, type BarRow } from './charts.js'
import type { HotPathFigures } from './hot-path.js'
import type { PathFigures, PathRatioId } from './paths.js'
import { POOL_ARENA_SIZE, type FootprintCase } from './registration-footprint.js'
import type { ScalingFigures } from './scaling.js'
import type { Face } from './workloads.js'

export interface ChartFigures {
  readonly hot: HotPathFigures
  readonly paths: PathFigures | null
  readonly scaling: ScalingFigures | null
  readonly registration: readonly FootprintCase[]
  readonly machine: string
}

const PATH_SERIES: ReadonlyArray<[PathRatioId, string]> = [
  ['send', 'send path / allocUnsafe + copy'],
  ['receive', 'receive path / allocUnsafe + reads'],
  ['rioBufWords', 'pair + toRioBuf / pair'],
  ['firstWrite', 'Lease + 1st write / Lease'],
  ['leaseOverBox', 'Lease pair / box'],
  ['batch', 'batch of 64 / floor'],
]

/** Writes the charts into dir; returns their file names. */
export async function writeCharts(dir: string, f: ChartFigures): Promise<string[]> {
  const written: string[] = []
  const save = async (name: string, spec: object) => {
    fs.writeFileSync(path.join(dir, name), await renderSvg(spec))
    written.push(name)
  }
  const mib = (bytes: number) => bytes / 1048576
  const label = (c: FootprintCase) => `${c.workload} · ${c.buffers >= 1000 ? `${c.buffers / 1000}K` : c.buffers} live`
  const footprintRows: BarRow[] = f.registration.flatMap(c => [
    { x: label(c), series: `one registration per buffer${c.perBuffer.computed ? ' (partly computed)' : ''}`, value: mib(c.perBuffer.heldBytes) },
    { x: label(c), series: `pool (${POOL_ARENA_SIZE / 1048576} MiB arenas)`, value: mib(c.pool.heldBytes) },
  ])
  const way = f.registration[0]?.way
  if (footprintRows.length) {
    await save('footprint.svg', groupedBarSpec(footprintRows, {
      title: 'Memory held for registration: the pool against one registration per buffer',
      subtitle: [`${way === 'io_uring' ? 'io_uring fixed buffers, VmPin' : way === 'rio' ? 'RIO, working set' : 'mlock, VmLck'}; measured from the OS.`, f.machine],
      xTitle: 'workload, live buffers',
      yTitle: 'MiB (log scale)',
    }, { log: true, twoLineLabels: true }))
  }
  const faces: Array<[Face, string]> = [['handles', 'handle pair'], ['lease', 'Lease pair'], ['leaseTouch', 'Lease writing its buffer'], ['thing', '@thi.ng/malloc holding the same ring'], ['allocUnsafe', 'Buffer.allocUnsafe (to the GC)']]
  const ratioRows: BarRow[] = f.hot.groups.flatMap(g => faces.filter(([face]) => g.faces[face]).map(([face, series]) => {
    const r = g.faces[face]!.vsFloor
    return { x: g.name === 'IMIX' || g.name === 'random' ? g.name : `${g.name} B`, series, value: r.median, low: r.p25, high: r.p75 }
  }))
  await save('hot-path.svg', groupedBarSpec(ratioRows, {
    title: 'Cost of a lease/release pair, in Int32Array free-list pops+pushes (the floor)',
    subtitle: [`Medians of per-round ratios (error bars: p25-p75), ${f.hot.rounds} interleaved rounds; lower is faster.`, f.machine],
    xTitle: 'lease size',
    yTitle: 'x the floor (log scale)',
  }, { log: true }))
  if (f.paths && f.paths.figures.length > 0) {
    const figures = f.paths.figures
    const pathRows: BarRow[] = f.paths.sizes.flatMap(size => PATH_SERIES.flatMap(([id, series]) => {
      const x = figures.find(y => y.id === id && y.size === size)
      return x ? [{ x: `${size} B`, series, value: x.ratio.median, low: x.ratio.p25, high: x.ratio.p75 }] : []
    }))
    await save('paths.svg', groupedBarSpec(pathRows, {
      title: 'Paths a user runs, over what they replace or build on',
      subtitle: [`Medians of per-round ratios to the baseline timed in the same rounds (error bars: p25-p75),`,
        `${f.paths.rounds} rounds; below 1 the path is faster.`, f.machine],
      xTitle: 'lease size',
      yTitle: 'ratio to its baseline (log scale)',
    }, { log: true, rules: [{ value: 1, label: 'as fast' }] }))
  }
  if (f.scaling) {
    const g = f.scaling
    const low = g.growthSpread?.p25
    await save('scaling.svg', figureSpec([{ x: 'handle pair, 1500 B', series: 'handle pair', value: g.growth, ...(low === undefined ? {} : { low, high: g.growthSpread!.p75 }) }], {
      title: 'Growth with the live set: the pair\'s cost with 1 M live over 1 K live',
      subtitle: ['Per round: (handle pair / floor with 1 M live) / (the same with 1 K live); the median,',
        `error bar p25-p75, ${g.rounds} interleaved rounds; 1 means no growth.`, f.machine],
      xTitle: '',
      yTitle: '(1 M ratio) / (1 K ratio)',
    }, [{ value: 1, label: 'no growth' }, { value: 1.2, label: 'goal 1.2' }, { value: 2, label: 'bar 2' }]))
  }
  return written
}
