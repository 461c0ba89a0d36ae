// The report's charts: Vega-Lite specifications rendered headless to SVG
// by Vega itself (no browser, no canvas). Each chart takes plain rows, so
// what it shows is exactly what the JSON beside it holds.
export interface BarRow {
  /** Where the bar stands on the x axis (a size, a count). */
  readonly x: string
  /** Which bar of the group (a way, a face). */
  readonly series: string
  readonly value: number
  /** The spread drawn as an error bar: p25 and p75 of the per-round ratios. */
  readonly low?: number
  readonly high?: number
}

/** A horizontal reference line: a baseline, a bar, a goal. */
export interface Rule {
  readonly value: number
  readonly label: string
}

export interface ChartText {
  readonly title: string
  /** Lines (Vega sizes the canvas to its estimate of the longest, so keep each short). */
  readonly subtitle: string | readonly string[]
  readonly xTitle: string
  readonly yTitle: string
}

// The plot's size; the legend sits above it and wraps within its width, so
// the canvas is the plot plus its axes, with no blank band beside it.
const WIDTH = 720
const HEIGHT = 280

const extent = (rows: readonly BarRow[], rules: readonly Rule[]) =>
  [...rows.flatMap(r => [r.value, r.low ?? r.value, r.high ?? r.value]), ...rules.map(r => r.value)].filter(v => v > 0)

function logFloor(values: readonly number[]): number {
  return 10 ** (Math.ceil(Math.log10(Math.min(...values))) - 1)
}

function logCeiling(values: readonly number[]): number {
  return 10 ** Math.ceil(Math.log10(Math.max(...values)))
}

/** Values in the order they first appear, not alphabetical. */
const inOrder = (values: readonly string[]) => [...new Set(values)]

/** Series in the order they first appear. */
function colour(rows: readonly BarRow[]): object {
  return {
    field: 'series', type: 'nominal', title: null, scale: { domain: inOrder(rows.map(r => r.series)) },
    legend: { orient: 'top', labelLimit: WIDTH / 2 - 30, columns: 2, columnPadding: 12 },
  }
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

/** Dashed reference lines, labelled past their right end. */
function ruleLayers(rules: readonly Rule[], width = WIDTH): object[] {
  if (rules.length === 0) return []
  return [
    { data: { values: rules }, mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { y: { field: 'value', type: 'quantitative' } } },
    {
      data: { values: rules },
      // Beside the plot, where no bar can run under them.
      mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, color: '#555', fontSize: 10 },
      encoding: { y: { field: 'value', type: 'quantitative' }, x: { value: width }, text: { field: 'label' } },
    },
  ]
}

/** Black error bars from low to high, over the bars of the same x and series. */
function spreadLayer(x: object, xOffset: object | null): object {
  return {
    mark: { type: 'rule', color: 'black', strokeWidth: 1.5 },
    encoding: { x, ...(xOffset ? { xOffset } : {}), y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
  }
}

export interface BarOptions {
  /** Log scale (values spanning decades). */
  readonly log?: boolean
  readonly rules?: readonly Rule[]
  /** X labels split into lines at ' · ' (long labels side by side). */
  readonly twoLineLabels?: boolean
}

/**
 * Grouped bars, one group per x, one bar per series; the p25-p75 spread as an
 * error bar where rows carry it; optional reference lines.
 */
export function groupedBarSpec(rows: readonly BarRow[], text: ChartText, options: BarOptions | boolean = {}): object {
  const { log = false, rules = [], twoLineLabels = false } = typeof options === 'boolean' ? { log: options } : options
  const values = extent(rows, rules)
  const x = {
    field: 'x', type: 'nominal', sort: inOrder(rows.map(r => r.x)), title: text.xTitle,
    axis: { labelAngle: 0, ...(twoLineLabels ? { labelExpr: "split(datum.label, ' · ')", labelLineHeight: 12 } : {}) },
  }
  const xOffset = { field: 'series', type: 'nominal', sort: inOrder(rows.map(r => r.series)) }
  // A log scale has no zero for bars to stand on: they rise from a decade below the least value.
  const y = { field: 'value', type: 'quantitative', title: text.yTitle, scale: log ? { type: 'log', domain: [logFloor(values), logCeiling(values)] } : { zero: true } }
  const bars = {
    mark: { type: 'bar', tooltip: true },
    encoding: { x, xOffset, y, ...(log ? { y2: { datum: logFloor(values) } } : {}), color: colour(rows) },
  }
  const spread = rows.some(r => r.low !== undefined) ? [{ ...spreadLayer(x, xOffset), transform: [{ filter: 'isValid(datum.low)' }] }] : []
  return { ...frame(rows, text), layer: [bars, ...spread, ...ruleLayers(rules)] }
}

/**
 * One horizontal bar per row (no series) across the plot's width, its spread
 * as an error bar, and vertical reference lines labelled above the plot: a
 * single figure read against its bar and goal.
 */
export function figureSpec(rows: readonly BarRow[], text: ChartText, rules: readonly Rule[] = []): object {
  const values = extent(rows, rules)
  const y = { field: 'x', type: 'nominal', sort: inOrder(rows.map(r => r.x)), title: text.xTitle || null }
  const x = { field: 'value', type: 'quantitative', title: text.yTitle, scale: { zero: true, domainMax: Math.max(...values) * 1.1 } }
  const rule = { field: 'value', type: 'quantitative' }
  return {
    ...frame(rows, text),
    height: 60 * rows.length,
    layer: [
      { mark: { type: 'bar', tooltip: true, height: { band: 0.6 } }, encoding: { y, x, color: { ...colour(rows), legend: null } } },
      { mark: { type: 'rule', color: 'black', strokeWidth: 1.5 }, encoding: { y, x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
      { data: { values: rules }, mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { x: rule } },
      { data: { values: rules }, mark: { type: 'text', baseline: 'bottom', dy: -3, color: '#555', fontSize: 10 }, encoding: { x: rule, y: { value: 0 }, text: { field: 'label' } } },
    ],
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
