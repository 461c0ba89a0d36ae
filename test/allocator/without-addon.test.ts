// The allocator is pure TypeScript: lib/allocator/ loads and leases with the
// addon unloadable, over fake arenas. Run in a child program that refuses
// every addon load; the package's index must fail there, or the refusal
// proved nothing.
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { nodeOnly } from '../support/runtime-test.js'

const run = promisify(execFile)

nodeOnly('lib/allocator/ loads and leases with the addon unloadable; the package index does not', "its require() does not go through Module._load, where the refusal hooks in", async t => {
  const program = path.join(__dirname, '..', 'programs', 'allocator-without-addon.js')
  const { stdout } = await run(process.execPath, [program])
  const seen = JSON.parse(stdout) as { leased: boolean; released: boolean; arenasLeft: number; refusedBeforeIndex: string[]; index: string }
  t.deepEqual(seen.refusedBeforeIndex, [], 'the allocator asked for the addon')
  t.true(seen.leased)
  t.true(seen.released)
  t.is(seen.arenasLeft, 0)
  t.regex(seen.index, /^addon refused: /)
})
