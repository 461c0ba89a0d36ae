// Bad input, everywhere (issue 11): every exported function, constructor,
// method and getter, and every native entry point, called with every kind of
// JS value and on foreign receivers (test/programs/fuzz.ts says how). Run in
// a child process: a crash there fails this test instead of killing ava.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import * as path from 'node:path'
import { platform } from '../../lib/index.js'

const fixture = path.join(__dirname, '..', 'programs', 'fuzz.js')
// Pairs tried: 8,150 on Linux with io_uring; 6,075 under Wine, which skips the io_uring entry points.
const PAIRS_FLOOR = platform().ioUring.available ? 7500 : 5500

test(`every entry point refuses every kind of bad value and foreign receiver with a coded error, changing nothing; at least ${PAIRS_FLOOR} pairs`, t => {
  const run = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 24 })
  t.is(run.signal, null, `the fuzz run was killed by ${run.signal}: ${run.stderr}`)
  t.is(run.status, 0, run.stderr)
  const figures = JSON.parse(run.stdout.trim().split('\n').pop()!) as { pairs: number; entryPoints: number; failures: number; outcomes: Record<string, number>; skipped: string[] }
  t.log(`${figures.pairs} (entry point x value) pairs over ${figures.entryPoints} entry points; outcomes ${JSON.stringify(figures.outcomes)}`)
  if (figures.skipped.length > 0) t.log(`not called here: ${figures.skipped.join(', ')}`)
  t.is(figures.failures, 0)
  t.true(figures.pairs >= PAIRS_FLOOR, `only ${figures.pairs} pairs tried`)
  t.true(figures.outcomes.ERR_INVALID_THIS! > 1000, 'foreign receivers were refused as such')
})
