// The committed benchmark results are what the README shows: its results
// block is exactly what `npm run bench:readme` writes from report.json, and
// report.json says where, when and how it was measured.
import test from 'ava'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { resultsBlock } from '../../benchmarks/readme.js'

const root = path.join(__dirname, '..', '..', '..')
const report = JSON.parse(fs.readFileSync(path.join(root, 'benchmarks', 'results', 'report.json'), 'utf8'))

test("the README's results block is generated from benchmarks/results/report.json, unedited", t => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')
  const block = resultsBlock(report)
  t.true(readme.includes(block), 'run npm run bench:readme after npm run bench')
})

test('report.json names the machine, Node, version, commit, date and command, and gives units and every bar', t => {
  const { meta } = report
  for (const key of ['version', 'commit', 'date', 'command', 'durationSeconds', 'rounds']) t.not(meta[key], undefined, key)
  for (const key of ['node', 'os', 'arch', 'cpus', 'cpu', 'loadAverageAtStart']) t.not(meta.machine[key], undefined, key)
  t.is(meta.mode, 'full')
  t.true(Object.keys(report.units).length > 0)
  t.is(report.bars.length, 7)
  t.true(report.registration.length >= 9, 'three workloads at three counts')
  for (const c of report.registration) t.true(c.pool.heldBytes > 0 && c.perBuffer.heldBytes > 0)
})
