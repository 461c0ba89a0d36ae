// Telling a user what went wrong: options with unknown keys, a close() that
// waits on leases nobody releases (a warning, and a signal to stop waiting).
import test from 'ava'
import { Arena, BufferPool, IoUringRegistrar, PoolError } from '../lib/index.js'
import { MiB, nextTurn } from './helpers.js'

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

test('a close() still waiting after warnAfterMs warns once with RIOPOOL_CLOSE_PENDING, saying what is held', async t => {
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
