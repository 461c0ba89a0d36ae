// The report's charts: Vega-Lite specifications rendered headless to SVG
// by Vega itself (no browser, no canvas). Each chart takes plain rows, so
// what it shows is exactly what the JSON beside it holds.
export interface BarRow {
  /** Where the bar stands on the x axis (a size, a count). */
  readonly x: string
  /** Which bar of the group (a way, a face). */
  readonly series: string
  readonly value: number
}

export interface ChartText {
  readonly title: string
  readonly subtitle: string
  readonly xTitle: string
  readonly yTitle: string
}

const WIDTH = 560
const HEIGHT = 260

function logFloor(rows: readonly BarRow[]): number {
  const least = Math.min(...rows.map(r => r.value).filter(v => v > 0))
  return 10 ** (Math.ceil(Math.log10(least)) - 1)
}

function logCeiling(rows: readonly BarRow[]): number {
  return 10 ** Math.ceil(Math.log10(Math.max(...rows.map(r => r.value))))
}

/** Values in the order they first appear, not alphabetical. */
const inOrder = (values: readonly string[]) => [...new Set(values)]

/** Series in the order they first appear. */
function colour(rows: readonly BarRow[]): object {
  return { field: 'series', type: 'nominal', title: null, scale: { domain: inOrder(rows.map(r => r.series)) }, legend: { orient: 'top', labelLimit: 360, columns: 2 } }
}

/** What every chart shares: schema, titles, size, white ground, and its rows. */
function frame(rows: readonly BarRow[], text: ChartText): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: text.title, subtitle: text.subtitle, anchor: 'start' },
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    data: { values: rows },
  }
}

/** Grouped bars, one group per x, one bar per series; log scale where values span decades. */
export function groupedBarSpec(rows: readonly BarRow[], text: ChartText, log = false): object {
  return {
    ...frame(rows, text),
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'x', type: 'nominal', sort: inOrder(rows.map(r => r.x)), title: text.xTitle, axis: { labelAngle: 0 } },
      xOffset: { field: 'series', type: 'nominal', sort: inOrder(rows.map(r => r.series)) },
      // A log scale has no zero for bars to stand on: they rise from a decade below the least value.
      y: { field: 'value', type: 'quantitative', title: text.yTitle, scale: log ? { type: 'log', domain: [logFloor(rows), logCeiling(rows)] } : { zero: true } },
      y2: log ? { datum: logFloor(rows) } : undefined,
      color: colour(rows),
    },
  }
}

/** Lines, one per series, over an ordered x. */
export function lineSpec(rows: readonly BarRow[], text: ChartText): object {
  return {
    ...frame(rows, text),
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: 'x', type: 'ordinal', sort: inOrder(rows.map(r => r.x)), title: text.xTitle, axis: { labelAngle: 0 } },
      y: { field: 'value', type: 'quantitative', title: text.yTitle, scale: { zero: true } },
      color: colour(rows),
    },
  }
}

/** Renders a Vega-Lite specification to an SVG document. */
export async function renderSvg(spec: object): Promise<string> {
  // Both packages are ES modules only; this file compiles to CommonJS.
  const vega = await import('vega')
  const vegaLite = await import('vega-lite')
  const compiled = vegaLite.compile(spec as Parameters<typeof vegaLite.compile>[0]).spec
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}
