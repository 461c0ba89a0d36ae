// One arena's memory in several threads: arena.share() and Arena.attach().
// Each scenario runs in a child process (test/programs/arena-sharing.ts),
// against the simulated-RIO build where npm test made one, so the RIO
// registration is counted too.
import test from 'ava'
import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const program = path.join(__dirname, '..', 'programs', 'arena-sharing.js')
const localBuild = path.join(__dirname, '..', '..', '..', '.simulated')
const simulatedDir = process.env.RIO_BUFFER_POOL_SIMULATED ??
  (fs.existsSync(path.join(localBuild, 'build', 'Release', 'rio_buffer_pool.node')) ? localBuild : undefined)
const rio = simulatedDir !== undefined
const linux = process.platform === 'linux'

async function scenario(name: string): Promise<Record<string, any>> {
  const env = simulatedDir ? { ...process.env, RIO_BUFFER_POOL_PREBUILD: simulatedDir } : process.env
  const { stdout } = await run(process.execPath, [program, name], { env, timeout: 60_000 })
  return JSON.parse(stdout) as Record<string, any>
}

test('a worker attached by descriptor sees the same memory, address and registration', async t => {
  const result = await scenario('worker-writes')
  t.log(result)
  t.true(result.sameAddress)
  t.true(result.sameId)
  t.is(result.registration, result.creatorRegistration)
  if (rio) t.is(result.registration, 'rio')
  t.true(result.attached)
  t.is(result.workerRefs, 0, "an attached arena does not wait for the creator's")
  t.is(result.wrongPages, 0, "every page the worker wrote reads back in the creator's view")
  t.is(result.refsAfter, 0)
  if (linux) t.false(result.mappedAfterClose, 'unmapped after the last close')
})

test("the creator's close() waits for a worker's arena; a terminated worker lets go with its environment", async t => {
  const result = await scenario('terminate-holder')
  t.log(result)
  t.is(result.refsWhileAttached, 1)
  t.is(result.busy, 'RIOPOOL_BUSY')
  if (linux) t.false(result.mappedAfterClose)
  if (rio) t.false(result.registeredAfterClose)
})

test('when the creating thread dies, the attached arena keeps the bytes and the registration until its close', async t => {
  const result = await scenario('creator-dies')
  t.log(result)
  t.true(result.bytesKept)
  t.is(result.afterTerminate.refs, 0)
  if (linux) t.false(result.mappedAfterClose)
  if (rio) {
    t.true(result.afterTerminate.registered, 'still registered after its creator thread was terminated')
    t.false(result.registeredAfterClose)
    t.deepEqual(result.registrations, { registered: 1, deregistered: 1 }, 'registered once, deregistered once')
  }
})

test('four workers attaching and closing 300 times each while the creator holds it', async t => {
  const result = await scenario('many-threads')
  t.log(result)
  t.is(result.rounds, 1200)
  t.is(result.wrongAddress, 0)
  t.is(result.refsAfter, 0)
})

test('descriptors that name nothing or a closed arena are refused with codes', async t => {
  const { codes, getterReads } = await scenario('refusals')
  t.log(codes)
  t.is(codes.forged, 'PoolError:RIOPOOL_CLOSED')
  t.is(codes['not-hex'], 'TypeError:ERR_INVALID_ARG_TYPE')
  t.is(codes['wrong-type'], 'TypeError:ERR_INVALID_ARG_TYPE')
  t.is(codes.null, 'TypeError:ERR_INVALID_ARG_TYPE')
  t.is(codes.string, 'TypeError:ERR_INVALID_ARG_TYPE')
  t.is(codes.getter, 'none', 'a token getter is read once')
  t.is(getterReads, 1)
  t.is(codes['native-long'], 'TypeError:ERR_INVALID_ARG_TYPE')
  t.is(codes['native-empty'], 'TypeError:ERR_INVALID_ARG_TYPE')
  t.is(codes['native-unknown'], 'Error:RIOPOOL_CLOSED')
  t.is(codes.revoked, 'TypeError:ERR_INVALID_ARG_TYPE')
  t.is(codes['attached-shares'], 'none', 'an attached arena shares the same token')
  t.is(codes['pool-arena'], 'Error:ERR_INVALID_STATE', "a pool's arena is the pool's to hand out")
  t.is(codes['closed-creator'], 'PoolError:RIOPOOL_CLOSED')
  t.is(codes['after-close'], 'PoolError:RIOPOOL_CLOSED')
})

test("a Registrar's registration is shared by id and given back once, by the creator's close()", async t => {
  const result = await scenario('custom-registrar')
  t.log(result)
  t.deepEqual(result.seen, { registration: 'custom', bufferId: '7' })
  t.is(result.busy, 'RIOPOOL_BUSY')
  t.is(result.callsBeforeCreatorClose, 1)
  t.deepEqual(result.calls, ['register', 'deregister 7'])
})

const canTransfer = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function'
;(canTransfer ? test : test.skip)(`a view transferred away in a worker still reads and writes after every arena is closed${canTransfer ? '' : ' (skipped: needs ArrayBuffer.prototype.transfer, Node 21+)'}`, async t => {
  const result = await scenario('escaped-view')
  t.log(result)
  t.is(result.seenByCreator, 77, "the escaped view's write reached the creator's view")
  t.is(result.sum, 82, 'the escaped view works after both closes')
  if (linux) t.true(result.mappedAfterClose, 'an escaped view keeps the pages mapped (a bounded leak)')
})

test("a Registrar's deregister() that attaches to the arena it is closing is refused: no arena outlives its registration", async t => {
  const result = await scenario('attach-during-deregister')
  t.log(result)
  t.is(result.lateCode, 'RIOPOOL_CLOSED', 'the attach during close is refused')
  t.false(result.lateOpen)
  t.is(result.closeCode, 'none')
  t.true(result.creatorClosed)
  t.deepEqual(result.calls, ['register', 'deregister 7'])
})

test("a Registrar's deregister() that throws leaves the arena shared: its descriptor attaches again", async t => {
  const result = await scenario('deregister-throws')
  t.log(result)
  t.is(result.first, 'not now')
  t.is(result.refsWhileAttached, 1)
  t.deepEqual(result.calls, ['deregister 9', 'deregister 9'])
  t.is(result.afterCode, 'RIOPOOL_CLOSED')
})

test("share() refuses a Registrar's id that 64 bits cannot carry, rather than give other threads another id", async t => {
  const result = await scenario('wide-registrar-id')
  t.log(result)
  t.is(result['-1'], 'RangeError:ERR_OUT_OF_RANGE')
  t.is(result[String(2n ** 64n + 3n)], 'RangeError:ERR_OUT_OF_RANGE')
  t.is(result[String(2n ** 64n - 1n)], `attached:${2n ** 64n - 1n}`)
  t.is(result['0'], 'attached:0')
})
