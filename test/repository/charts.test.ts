// The benchmark's charts render as a person would see them: SVG made by
// benchmarks/charts.ts (and the committed ones under benchmarks/results/),
// opened in headless Chromium, screenshot non-blank with the bars' colours.
import test from 'ava'
import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { PNG } from 'pngjs'
import { groupedBarSpec, lineSpec, renderSvg } from '../../benchmarks/charts.js'

const run = promisify(execFile)
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(p => fs.existsSync(p))
const results = path.join(__dirname, '..', '..', '..', 'benchmarks', 'results')
const skip = process.platform === 'win32' ? 'no Chromium under Wine' : chromium ? null : 'needs Chromium (.ci/run installs Debian\'s chromium)'

/** Screenshots an SVG file; returns the share of non-white pixels and the distinct colours among them. */
async function screenshot(svgFile: string): Promise<{ inked: number; colours: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-'))
  const png = path.join(dir, 'shot.png')
  await run(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${dir}`,
    '--hide-scrollbars', '--window-size=800,420', `--screenshot=${png}`, `file://${svgFile}`], { timeout: 60_000 })
  const image = PNG.sync.read(fs.readFileSync(png))
  let inked = 0
  const colours = new Set<number>()
  for (let i = 0; i < image.data.length; i += 4) {
    const [r, g, b] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!]
    if (r > 245 && g > 245 && b > 245) continue
    inked++
    colours.add((r >> 4) << 8 | (g >> 4) << 4 | (b >> 4))
  }
  fs.rmSync(dir, { recursive: true, force: true })
  return { inked: inked / (image.width * image.height), colours: colours.size }
}

const text = { title: 'Bytes held for registration', subtitle: 'sample', xTitle: 'live buffers', yTitle: 'bytes' }
const rows = [
  { x: '1 K', series: 'pool', value: 1 << 20 }, { x: '1 K', series: 'one by one', value: 4 << 20 },
  { x: '10 K', series: 'pool', value: 4 << 20 }, { x: '10 K', series: 'one by one', value: 40 << 20 },
]

;(skip ? test.skip : test)(`a bar chart and a line chart from benchmarks/charts.ts render in headless Chromium${skip ? ` (skipped: ${skip})` : ''}`, async t => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charts-'))
  for (const [name, spec] of [['bars', groupedBarSpec(rows, text, true)], ['lines', lineSpec(rows, text)]] as const) {
    const file = path.join(dir, `${name}.svg`)
    fs.writeFileSync(file, await renderSvg(spec))
    const shot = await screenshot(file)
    t.log(name, shot)
    t.true(shot.inked > 0.02, `${name}: only ${(shot.inked * 100).toFixed(2)} % of the screenshot is not white`)
    t.true(shot.colours >= 3, `${name}: ${shot.colours} colours: axes and two series should show`)
  }
})

const committed = fs.existsSync(results) ? fs.readdirSync(results).filter(f => f.endsWith('.svg')) : []
;(skip ? test.skip : test)(`the committed charts under benchmarks/results render${skip ? ` (skipped: ${skip})` : ''}`, async t => {
  t.true(committed.length >= 3, `found ${committed.join(', ') || 'none'}`)
  for (const file of committed) {
    const shot = await screenshot(path.join(results, file))
    t.true(shot.inked > 0.02, `${file}: blank`)
  }
})
