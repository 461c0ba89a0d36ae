// Many rings, many workers: each worker thread attaches a registrar to a
// ring of its own and runs io_uring I/O through its leases, with a read
// left in flight; terminating any of them, at any moment, leaves the
// process and the others running. In a child process, so a crash is a
// failed test rather than a dead test runner.
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { uring } from './io-uring-helper.js'

const run = promisify(execFile)

uring('4 workers, each attached to its own ring, run I/O; the process survives terminating each of them in turn', async t => {
  const { stdout } = await run(process.execPath, [path.join(__dirname, 'fixtures', 'io-uring-workers.js')], { timeout: 60000 })
  const result = JSON.parse(stdout) as { rounds: number[]; order: number[]; errors: string[]; ringsBefore: number; ringsLeft: number; mainWrite: number }
  t.log(`rounds per worker: ${result.rounds.join(', ')}; terminated in order ${result.order.join(', ')}`)
  t.deepEqual(result.errors, [])
  t.true(result.rounds.every(r => r >= 20))
  t.is(result.ringsBefore, 2 * 4, "each worker's ring, and its registrar's own descriptor of it")
  t.is(result.ringsLeft, 0, 'each closed once its environment went')
  t.is(result.mainWrite, 5000)
})
