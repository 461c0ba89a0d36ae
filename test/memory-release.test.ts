import test from 'ava'
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

test('arenas dropped without close() give their memory back (bounded RSS under --expose-gc)', async t => {
  const script = path.join(__dirname, 'fixtures', 'drop-unclosed-arenas.js')
  const { stdout } = await run(process.execPath, ['--expose-gc', script, '64'])
  const figures = JSON.parse(stdout) as { touchedMiB: number; beforeMiB: number; peakMiB: number; afterMiB: number }
  t.log(figures)
  t.is(figures.touchedMiB, 1024)
  // 1 GiB was written through arenas; at most a handful may be alive at once.
  t.true(figures.peakMiB - figures.beforeMiB < 256, `peak grew by ${figures.peakMiB - figures.beforeMiB} MiB`)
  t.true(figures.afterMiB - figures.beforeMiB < 64, `after grew by ${figures.afterMiB - figures.beforeMiB} MiB`)
})
