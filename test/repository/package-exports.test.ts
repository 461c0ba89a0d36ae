import test from 'ava'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import * as path from 'node:path'

const run = promisify(execFile)
const root = path.join(__dirname, '..', '..', '..')

const probe = 'typeof m.Arena.create + typeof m.platform + typeof m.PoolError'

test('require("rio-buffer-pool") works', async t => {
  const { stdout } = await run(process.execPath, ['-e', `const m = require('rio-buffer-pool'); process.stdout.write(${probe})`], { cwd: root })
  t.is(stdout, 'functionfunctionfunction')
})

test('import("rio-buffer-pool") works with named exports', async t => {
  const code = `import * as m from 'rio-buffer-pool'; import { Arena } from 'rio-buffer-pool'; process.stdout.write(${probe} + (Arena === m.Arena))`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: root })
  t.is(stdout, 'functionfunctionfunctiontrue')
})
