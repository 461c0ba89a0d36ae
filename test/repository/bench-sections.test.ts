// A measurement of the report run by hand prints words a person reads; the
// report itself passes --json and reads the same figures as JSON.
import test from 'ava'
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const report = path.join(__dirname, '..', '..', 'benchmarks', 'report.js')

test('node dist/benchmarks/report.js --section self-check prints a short table, and JSON only with --json', async t => {
  const args = [report, '--section', 'self-check', '--rounds', '3']
  const { stdout: words } = await run(process.execPath, args, { encoding: 'utf8' })
  t.regex(words, /^Self-check: /)
  t.regex(words, /plain loop \/ harness, floor +\d+\.\d+x/)
  t.regex(words, /agree within 10 %|WARNING: /)
  t.throws(() => JSON.parse(words))
  const { stdout: json } = await run(process.execPath, [...args, '--json'], { encoding: 'utf8' })
  const figures = JSON.parse(json) as { handle: { median: number }; floor: { median: number } }
  t.true(figures.handle.median > 0 && figures.floor.median > 0)
})
