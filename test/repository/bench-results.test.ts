// The committed benchmark results are what the documents show: the results
// block of docs/performance.md and the README's table are exactly what
// `npm run bench:readme` writes from report.json, and report.json says where,
// when and how it was measured.
import test from 'ava'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { RESULTS, SUMMARY, resultsBlock, summaryBlock } from '../../benchmarks/readme.js'

const root = path.join(__dirname, '..', '..', '..')
const report = JSON.parse(fs.readFileSync(path.join(root, 'benchmarks', 'results', 'report.json'), 'utf8'))

for (const [block, generate] of [[RESULTS, resultsBlock], [SUMMARY, summaryBlock]] as const) {
  test(`${block.file}: its generated results block is what npm run bench:readme writes from benchmarks/results/report.json, unedited`, t => {
    const text = fs.readFileSync(path.join(root, block.file), 'utf8')
    t.true(text.includes(generate(report)), 'run npm run bench:readme after npm run bench')
    t.is(text.split(block.start).length, 2, `one ${block.start} in ${block.file}`)
  })
}

test('the generated blocks carry the memory figures, bookkeeping per slot included, as report.json has them', t => {
  const block = resultsBlock(report)
  for (const bytes of Object.values(report.footprint.perSlot) as number[]) t.true(block.includes(`| ${bytes.toFixed(2)} bytes (`), `${bytes}`)
  t.true(block.includes(`| ${report.footprint.imixRatio.toFixed(3)}x |`))
  t.regex(summaryBlock(report), /\[docs\/performance\.md\]\(docs\/performance\.md\)/)
})

test('report.json names the machine, Node, version, commit, date and command, and gives units and every bar', t => {
  const { meta } = report
  for (const key of ['version', 'commit', 'date', 'command', 'durationSeconds', 'rounds']) t.not(meta[key], undefined, key)
  for (const key of ['node', 'os', 'arch', 'cpus', 'cpu', 'loadAverageAtStart']) t.not(meta.machine[key], undefined, key)
  t.is(meta.mode, 'full')
  t.true(Object.keys(report.units).length > 0)
  t.true(report.bars.length >= 7, 'every bar, as benchmarks/bars.ts lists them')
  for (const b of report.bars) t.true(typeof b.figure === 'string' && typeof b.bar === 'string' && 'met' in b, JSON.stringify(b))
  t.true(report.registration.length >= 9, 'three workloads at three counts')
  for (const c of report.registration) t.true(c.pool.heldBytes > 0 && c.perBuffer.heldBytes > 0)
})
