// An arena is deregistered once: by close() (or a pool's trim), never again
// by its finalizer when the closed Arena is later collected. With ids reused
// (an io_uring slot goes to the next arena), a second deregistration would
// empty a live arena's registration. Run with real GC in a child process.
import test from 'ava'
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

test('a closed arena, once collected, does not deregister again: the arena that reused its id stays registered', async t => {
  const program = path.join(__dirname, '..', 'programs', 'deregister-once.js')
  const { stdout } = await run(process.execPath, ['--expose-gc', program], { timeout: 30_000 })
  const seen = JSON.parse(stdout) as { arena: { deregistrations: number; newerStillRegistered: boolean }; inPool: typeof seen.arena; leftAfterClose: number }
  t.deepEqual(seen.arena, { deregistrations: 1, newerStillRegistered: true })
  t.deepEqual(seen.inPool, { deregistrations: 1, newerStillRegistered: true })
  t.is(seen.leftAfterClose, 0)
})
