// A Registrar that calls back into its own pool from register() or
// deregister() (a logging or metrics wrapper): the pool is mid-change then,
// so the call is refused with ERR_INVALID_STATE and changes nothing. Before,
// such calls closed one arena twice, freed a live arena's id, gave two leases
// one offset, lost a class's cached slots and left close() hanging. Each case
// runs in a child process (test/programs/reentrant-registrar.ts).
import test from 'ava'
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

interface Seen {
  codes: string[]
  overlap: boolean
  consistent: boolean
  closed: boolean | 'hung'
  registrationsLeft: number
  registered: number
  deregistered: number
}

const cases: Array<[when: 'register' | 'deregister', reentry: string, expected: string]> = [
  ['deregister', 'trim', 'ERR_INVALID_STATE'],
  ['deregister', 'close', 'rejected ERR_INVALID_STATE'],
  ['deregister', 'lease', 'ERR_INVALID_STATE'],
  ['deregister', 'retain-release', 'ERR_INVALID_STATE'],
  ['register', 'lease', 'ERR_INVALID_STATE'],
  ['register', 'trim', 'ERR_INVALID_STATE'],
  ['register', 'retain-release', 'ERR_INVALID_STATE'],
]

for (const [when, reentry, expected] of cases) {
  test(`a Registrar's ${when}() calling pool ${reentry} is refused with ${expected.replace('rejected ', '')}; leases never overlap, the figures add up, close() resolves with every registration undone`, async t => {
    const program = path.join(__dirname, '..', 'programs', 'reentrant-registrar.js')
    const { stdout } = await run(process.execPath, [program, when, reentry], { timeout: 30_000 })
    const seen = JSON.parse(stdout) as Seen
    t.log(seen)
    t.deepEqual(seen.codes, [expected])
    t.false(seen.overlap)
    t.true(seen.consistent)
    t.is(seen.closed, true)
    t.is(seen.registrationsLeft, 0)
    t.is(seen.registered, seen.deregistered)
  })
}
