// Telling a user what went wrong: options with unknown keys, a close() that
// waits on leases nobody releases (a warning, and a signal to stop waiting).
import test from 'ava'
import { spawnSync } from 'node:child_process'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Arena, BufferPool, IoUringRegistrar, PoolError } from '../../lib/index.js'
import { MiB, nextTurn } from '../support/doubles.js'
import { nodeOnly } from '../support/runtime-test.js'

const unknownKey = (key: string) => ({ instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: new RegExp(`'${key.replace('.', '\\.')}'`) })

test('an options object with an unknown key (a typo) is refused, naming the key, and nothing is made', async t => {
  t.throws(() => new BufferPool({ maxByte: MiB } as never), unknownKey('options.maxByte'))
  t.throws(() => Arena.create(MiB, { lok: true } as never), unknownKey('options.lok'))
  t.throws(() => IoUringRegistrar.create({ slot: 4 } as never), unknownKey('options.slot'))
  const pool = new BufferPool({ arenaSize: MiB })
  await t.throwsAsync(pool.acquire(10, { sigal: undefined } as never), unknownKey('options.sigal'))
  await t.throwsAsync(pool.close({ signl: undefined } as never), unknownKey('options.signl'))
  t.false(pool.closed, 'a refused close() does not start closing')
  t.is(pool.stats().arenas, 0)
  await pool.close()
})

test('options that cannot be read (a revoked proxy, a throwing getter) are refused with ERR_INVALID_ARG_TYPE', t => {
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  t.throws(() => new BufferPool(proxy as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  const throwing = Object.defineProperty({}, 'arenaSize', { enumerable: true, get() { throw new Error('lying getter') } })
  t.throws(() => new BufferPool(throwing), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
})

test('close({ signal }): an abort rejects that wait with an AbortError naming the leases held; the pool stays closing', async t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const held = [pool.lease(100), pool.lease(2000)]
  const controller = new AbortController()
  const reason = new Error('shutdown deadline')
  const waiting = pool.close({ signal: controller.signal })
  controller.abort(reason)
  const error = await t.throwsAsync(waiting, { name: 'AbortError', code: 'ABORT_ERR', message: /2 lease\(s\) still held/ })
  t.is(error!.cause, reason)
  t.true(pool.closed)
  t.throws(() => pool.lease(10), { instanceOf: PoolError, code: 'RIOPOOL_CLOSED' })
  let done = false
  const closing = pool.close().then(() => { done = true })
  for (const lease of held) lease.release()
  await closing
  t.true(done)
  t.is(pool.stats().arenas, 0)
  await t.throwsAsync(pool.close({ signal: AbortSignal.abort(reason) }), { name: 'AbortError' })
})

test.serial('a close() still waiting after warnAfterMs warns once with RIOPOOL_CLOSE_PENDING, saying what is held', async t => {
  const warnings: Array<Error & { code?: string }> = []
  const onWarning = (warning: Error & { code?: string }) => { if (warning.code === 'RIOPOOL_CLOSE_PENDING') warnings.push(warning) }
  process.on('warning', onWarning)
  try {
    const pool = new BufferPool({ arenaSize: MiB })
    const lease = pool.lease(1500)
    const closing = pool.close({ warnAfterMs: 20 })
    for (let k = 0; k < 20 && warnings.length === 0; k++) await new Promise(resolve => setTimeout(resolve, 20))
    await new Promise(resolve => setTimeout(resolve, 60))
    t.is(warnings.length, 1, 'warned once')
    t.regex(warnings[0]!.message, /1 lease\(s\) still held \(1500 bytes/)
    lease.release()
    await closing
    await nextTurn()
    t.is(warnings.length, 1)
    // A close() that finishes at once never warns.
    const idle = new BufferPool({ arenaSize: MiB })
    await idle.close({ warnAfterMs: 0 })
    await new Promise(resolve => setTimeout(resolve, 30))
    t.is(warnings.length, 1)
  } finally {
    process.off('warning', onWarning)
  }
})

test('pool.outstanding() lists every live lease of both faces with what a diagnosis needs, and changes nothing', t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const lease = pool.lease(1500)
  const handle = pool.handles.lease(64)
  pool.handles.retain(handle)
  pool.lease(10).release()
  const before = pool.stats()
  const listed = pool.outstanding()
  t.deepEqual(pool.stats(), before)
  t.deepEqual(listed.map(({ arena, ...rest }) => ({ ...rest, arenaOk: arena === lease.arena })), [
    { handle: lease.handle, length: 1500, capacity: lease.capacity, offset: lease.offset, refCount: 1, ageMs: null, leaked: false, arenaOk: true },
    { handle, length: 64, capacity: 64, offset: pool.handles.offset(handle), refCount: 2, ageMs: null, leaked: false, arenaOk: true },
  ].sort((a, b) => (a.handle >>> 8) - (b.handle >>> 8)))
  t.false('stack' in listed[0]!, 'no stack unless leak detection recorded one')
  lease.release()
  pool.handles.release(handle, 2)
  t.deepEqual(pool.outstanding(), [])
})

nodeOnly("with leakDetection 'all', pool.outstanding() also gives each lease's age and the stack that leased it", "its stack traces drop the frame that called lease()", async t => {
  const pool = new BufferPool({ arenaSize: MiB, leakDetection: 'all' })
  const leaseHere = () => pool.lease(300)
  const lease = leaseHere()
  const handle = pool.handles.lease(40)
  await new Promise(resolve => setTimeout(resolve, 15))
  const [first, second] = pool.outstanding()
  t.true(first!.ageMs! >= 14 && second!.ageMs! >= 14, `${first!.ageMs} and ${second!.ageMs} ms`)
  const byHandle = new Map([[first!.handle, first!], [second!.handle, second!]])
  t.regex(byHandle.get(lease.handle)!.stack!, /^\s+at leaseHere /)
  t.regex(byHandle.get(handle)!.stack!, /pool-diagnostics/)
  lease.release()
  pool.handles.release(handle)
  await pool.close()
})

test.serial('a close() waiting on leases names pool.outstanding() in its RIOPOOL_CLOSE_PENDING warning', async t => {
  const pool = new BufferPool({ arenaSize: MiB })
  const held = pool.lease(100)
  const warned = new Promise<Error>(resolve => process.once('warning', resolve))
  const closing = pool.close({ warnAfterMs: 1 })
  // The pool's timer is unref'd: this one keeps the test's event loop alive meanwhile.
  const keepAlive = setTimeout(() => {}, 5000)
  const warning = await warned
  clearTimeout(keepAlive)
  t.regex(warning.message, /pool\.outstanding\(\) lists them/)
  held.release()
  await closing
})

nodeOnly('a process that runs out of work while close() waits on a forgotten lease says so before it exits (ESM: code 13)', 'an unsettled top-level await does not end the process with code 13', async t => {
  const index = pathToFileURL(path.join(__dirname, '..', '..', 'lib', 'index.js')).href
  const source = `import { BufferPool } from ${JSON.stringify(index)}
    const pool = new BufferPool({ arenaSize: 1 << 20 })
    pool.lease(700) // forgotten
    await pool.close()`
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source], { encoding: 'utf8', timeout: 30_000 })
  t.is(result.signal, null)
  t.is(result.status, 13, 'an unsettled top-level await')
  t.regex(result.stderr, /RIOPOOL_CLOSE_PENDING.*1 lease\(s\) still held \(700 bytes/)
  t.is(result.stderr.match(/RIOPOOL_CLOSE_PENDING/g)!.length, 1, 'once')
})

test('many close({ signal }) calls on one signal add one listener to it, warn nothing, and all reject on abort; the listener goes once the close settles', async t => {
  // In a child: MaxListenersExceededWarning is the process's, emitted once.
  const { execFileSync } = await import('node:child_process')
  const script = `
    const { getEventListeners } = require('node:events')
    const { BufferPool } = require(${JSON.stringify(require.resolve('../../lib/index.js'))})
    const warnings = []
    process.on('warning', w => warnings.push(w.name))
    ;(async () => {
      const pool = new BufferPool({ arenaSize: 1 << 20 })
      const lease = pool.lease(100)
      const controller = new AbortController()
      const waits = Array.from({ length: 20 }, () => pool.close({ signal: controller.signal }))
      const listeners = getEventListeners(controller.signal, 'abort').length
      controller.abort()
      const rejected = (await Promise.allSettled(waits)).filter(r => r.status === 'rejected' && r.reason.name === 'AbortError').length
      const other = new AbortController()
      const late = pool.close({ signal: other.signal })
      lease.release()
      await late
      await new Promise(resolve => setImmediate(resolve))
      console.log(JSON.stringify({ listeners, rejected, afterSettle: getEventListeners(other.signal, 'abort').length, warnings }))
    })()`
  const seen = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as Record<string, unknown>
  t.deepEqual(seen, { listeners: 1, rejected: 20, afterSettle: 0, warnings: [] })
})

test("a Registrar's deregister() that throws anything (42, a string, a symbol message, a revoked proxy) during maintenance is warned of once each, and the process lives", async t => {
  // In a child: a warning that itself threw would end the process.
  const { execFileSync } = await import('node:child_process')
  const script = `
    const { BufferPool } = require(${JSON.stringify(require.resolve('../../lib/index.js'))})
    const warnings = []
    process.on('warning', w => warnings.push(w.message))
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    const throws = [42, 'nope', { message: Symbol('x') }, proxy]
    ;(async () => {
      for (const thrown of throws) {
        let id = 0n
        const pool = new BufferPool({ arenaSize: 1 << 16, spareArenas: 0, registration: { register: () => id++, deregister() { throw thrown } } })
        for (let turn = 0; turn < 3; turn++) {
          const [a, b] = [pool.lease(60000), pool.lease(60000)]
          a.release(); b.release()
          await new Promise(resolve => setImmediate(resolve))
          await new Promise(resolve => setImmediate(resolve))
        }
      }
      await new Promise(resolve => setTimeout(resolve, 20))
      console.log(JSON.stringify(warnings))
    })()`
  const warnings = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[]
  t.is(warnings.length, 4, warnings.join('; '))
  t.regex(warnings[0]!, /threw type number \(42\), not an Error/)
  t.regex(warnings[3]!, /threw an instance of Object \(unreadable\)/)
})
