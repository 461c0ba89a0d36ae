// Many rings, many workers: each worker thread attaches a registrar to a
// ring of its own (or gets the main thread's registrar cloned into it) and
// runs io_uring I/O through leases; terminating any of them, at any moment,
// leaves the process and the others running. In a child process, so a crash is a
// failed test rather than a dead test runner.
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { uring, uringClone } from '../support/uring-test.js'

const run = promisify(execFile)

interface Result {
  rounds: number[]
  order: number[]
  errors: string[]
  ringsBefore: number
  ringsLeft: number
  ringsAfterClose: number
  mainWrite: number
}

async function workers(mode: 'attach' | 'clone'): Promise<Result> {
  const { stdout } = await run(process.execPath, [path.join(__dirname, '..', 'programs', 'io-uring-workers.js'), mode], { timeout: 60000 })
  return JSON.parse(stdout) as Result
}

uring('4 workers, each attached to its own ring, run I/O; the process survives terminating each of them in turn', async t => {
  const result = await workers('attach')
  t.log(`rounds per worker: ${result.rounds.join(', ')}; terminated in order ${result.order.join(', ')}`)
  t.deepEqual(result.errors, [])
  t.true(result.rounds.every(r => r >= 20))
  t.is(result.ringsBefore, 2 * 4, "each worker's ring, and its registrar's own descriptor of it")
  t.is(result.ringsLeft, 0, 'each closed once its environment went')
  t.is(result.mainWrite, 5000)
})

uringClone("4 workers' rings share the main thread's registrar by cloneInto(); the process survives terminating each of them", async t => {
  const result = await workers('clone')
  t.log(`rounds per worker: ${result.rounds.join(', ')}; terminated in order ${result.order.join(', ')}`)
  t.deepEqual(result.errors, [])
  t.true(result.rounds.every(r => r >= 20))
  t.is(result.ringsBefore, 1 + 4 + 4, "the registrar's ring, each worker's ring, and the registrar's descriptor of each")
  t.is(result.ringsLeft, 1 + 4, "the workers' own descriptors closed; the registrar still holds its clone targets")
  t.is(result.ringsAfterClose, 0, 'reg.close() let go of them')
  t.is(result.mainWrite, 5000)
})
