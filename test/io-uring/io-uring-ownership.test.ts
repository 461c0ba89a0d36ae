// Who owns what an IoUringRegistrar holds (issue 17, items 3 to 5): a
// descriptor the package did not open, or no longer owns, is never closed
// by it; two registrars of a process never own one slot; a failed attach
// leaves no descriptor; a transient probe failure is not kept; EEXIST says
// what it means. Each scenario runs in a child process (a crash or a hang is
// a failed test), test/programs/io-uring-ownership.ts, and prints JSON.
import test from 'ava'
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { uring } from '../support/uring-test.js'

const run = promisify(execFile)
const program = path.join(__dirname, '..', 'programs', 'io-uring-ownership.js')
const runs = new Map<string, Promise<Record<string, any>>>()

/** The scenario's JSON; each child runs once however many tests read it. */
function scenario(name: string): Promise<Record<string, any>> {
  let result = runs.get(name)
  if (result === undefined) {
    result = run(process.execPath, ['--expose-gc', program, name], { timeout: 60000 }).then(({ stdout }) => JSON.parse(stdout))
    runs.set(name, result)
  }
  return result
}

uring("reg.fd closed by its user and reused for a file: the file is never closed by the registrar, by close() or when collected", async t => {
  const r = await scenario('foreign')
  t.true(r.reused && r.reused2 && r.reused3, 'the kernel handed the number to the new file (the case the issue reproduced)')
  t.is(r.writeAfterClose, 'ok', "after pool.close() and reg.close(), the user's file is still open")
  t.is(r.writeAfterCollect, 'ok', "after an unclosed registrar and its pool were collected, the user's file is still open")
  t.is(r.writeAfterBareCollect, 'ok', "after an unclosed registrar without a pool was collected, the user's file is still open")
  t.is(r.fdAfter, -1)
})

uring('a registrar whose ring descriptor was taken refuses to register with EBADF and advice; its slots count as emptied, so its pool closes and it closes', async t => {
  const r = await scenario('foreign')
  t.is(r.registerError.code, 'EBADF')
  t.regex(r.registerError.message, /no longer refers to its ring.*closed by someone else/)
  t.is(r.cloneCode, 'EBADF')
  t.is(r.closed, 'resolved', 'pool.close() resolves, not ENOTSUP')
  t.is(r.slotsInUse, 0)
  t.is(r.regClose, 'ok', 'not RIOPOOL_BUSY for ever')
  t.deepEqual(r.warnings, [], 'maintenance empties the lost slots without a warning')
})

test('pool maintenance warns once per cause, not on every turn with a release (200 turns)', async t => {
  const r = await scenario('warn-once')
  t.is(r.warnings.length, 1, r.warnings.slice(0, 3).join('\n'))
  t.regex(r.warnings[0], /^EIO: the ring refused/)
})

uring('two registrars never own one slot: attach() over a range another registrar holds is refused with RIOPOOL_SLOTS_TAKEN, in any thread, until it closes', async t => {
  const r = await scenario('slots')
  t.is(r.attachToCreated, 'RIOPOOL_SLOTS_TAKEN', "a created registrar's ring")
  t.regex(r.attachToCreatedMessage, /another IoUringRegistrar of this process holds some of these slots of that ring \[2, 6\)\. .*attach with a slot range no other registrar/)
  t.is(r.attachSame, 'RIOPOOL_SLOTS_TAKEN')
  t.is(r.attachOverlap, 'RIOPOOL_SLOTS_TAKEN')
  t.is(r.attachBeyond, 'EINVAL', 'a range nobody holds reaches the kernel')
  t.is(r.workerAttach, 'RIOPOOL_SLOTS_TAKEN', 'a worker thread sees the same claims')
  t.is(r.leaseSlot, '0')
  t.is(r.firstInUse, 1, "the refusals emptied none of the first registrar's slots")
  t.is(r.attachAfterClose, 'ok')
})

uring('cloneInto() a ring whose slots another registrar holds, or a ring already cloned into, is refused with RIOPOOL_SLOTS_TAKEN until that one closes', async t => {
  const r = await scenario('slots')
  t.is(r.cloneOverlap, 'RIOPOOL_SLOTS_TAKEN')
  t.regex(r.cloneOverlapMessage, /would replace each other's arenas/)
  t.is(r.cloneTwice, 'RIOPOOL_SLOTS_TAKEN')
  t.is(r.cloneSameAgain, 'RIOPOOL_SLOTS_TAKEN')
  t.is(r.attachToCloned, 'RIOPOOL_SLOTS_TAKEN')
  t.is(r.cloneIntoOwn, 'RIOPOOL_SLOTS_TAKEN')
  t.is(r.cloneAfterClose, 'ok')
})

uring('50 failed attach() and cloneInto() calls (on /dev/null) leave no descriptor open', async t => {
  const r = await scenario('leak')
  t.deepEqual(r.codes, ['ENOTSUP'])
  t.is(r.after, r.before, `open descriptors before ${r.before}, after ${r.after}`)
})

uring('a first io_uring probe that meets EMFILE is not kept: with descriptors free again, io_uring is available', async t => {
  const { stdout } = await run('/bin/sh', ['-c', 'ulimit -n 64 && exec "$0" "$1"', process.execPath, path.join(__dirname, '..', 'programs', 'io-uring-probe-retry.js')], { timeout: 60000 })
  const r = JSON.parse(stdout)
  t.like(r.exhausted, { available: false, error: { code: 'EMFILE' } })
  t.deepEqual(r.later, { available: true })
  t.is(r.create, 'ok')
})

uring("attach() from another thread than a SINGLE_ISSUER ring's creator throws EEXIST (not UNKNOWN) saying whose ring it is", async t => {
  const r = await scenario('single-issuer')
  t.like(r.worker, { code: 'EEXIST', errno: -17, syscall: 'io_uring_register' })
  t.regex(r.worker.message, /IORING_SETUP_SINGLE_ISSUER, so only the thread that created it may register .*without IORING_SETUP_SINGLE_ISSUER/)
  t.is(r.creatingThread, 'ok')
})
