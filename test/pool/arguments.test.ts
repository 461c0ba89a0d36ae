// Every entry point rejects bad input with Node's error codes and changes nothing.
import test from 'ava'
import { inspect } from 'node:util'
import { Arena, platform } from '../../lib/index.js'

const maxSize = 2 ** 32 - platform().allocationGranularity

const notNumbers: unknown[] = ['4096', 4096n, null, undefined, {}, [], true, Symbol('size'), () => 4096]
const badNumbers: unknown[] = [0, -1, 1.5, NaN, Infinity, -Infinity, maxSize + 1, 2 ** 32, Number.MAX_SAFE_INTEGER + 1]

for (const size of notNumbers) {
  test(`Arena.create(${inspect(size)}) throws ERR_INVALID_ARG_TYPE`, t => {
    t.throws(() => Arena.create(size as number), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  })
}

for (const size of badNumbers) {
  test(`Arena.create(${inspect(size)}) throws ERR_OUT_OF_RANGE`, t => {
    t.throws(() => Arena.create(size as number), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  })
}

test('the largest arena size is accepted by validation (4 GiB minus the granularity)', t => {
  // Reaches the Registrar (so validation and the allocation passed), or the
  // OS refused that much memory: any other error is a validation bug.
  const stop = new Error('stop here')
  const error = t.throws(() => {
    Arena.create(maxSize, { registration: { register: () => { throw stop }, deregister: () => {} } }).close()
  }) as NodeJS.ErrnoException
  if (error === stop) t.pass()
  else t.regex(error.syscall ?? '', /^(mmap|VirtualAlloc)$/, `neither the Registrar nor the OS refused it: ${error.message}`)
})

const badOptions: Array<[string, unknown, string]> = [
  ['options', 'fast', 'ERR_INVALID_ARG_TYPE'],
  ['options', null, 'ERR_INVALID_ARG_TYPE'],
  ['options', 1, 'ERR_INVALID_ARG_TYPE'],
  ['options.registration', { registration: 'yes' }, 'ERR_INVALID_ARG_VALUE'],
  ['options.registration', { registration: true }, 'ERR_INVALID_ARG_VALUE'],
  ['options.registration', { registration: { register() { return 1n } } }, 'ERR_INVALID_ARG_VALUE'],
  ['options.registration', { registration: null }, 'ERR_INVALID_ARG_VALUE'],
  ['options.lock', { lock: 'yes' }, 'ERR_INVALID_ARG_TYPE'],
  ['options.lock', { lock: 1 }, 'ERR_INVALID_ARG_TYPE'],
  ['options.largePages', { largePages: 'no' }, 'ERR_INVALID_ARG_TYPE'],
]

for (const [name, options, code] of badOptions) {
  test(`Arena.create(size, ${JSON.stringify(options)}) throws ${code} naming ${name}`, t => {
    const error = t.throws(() => Arena.create(4096, options as never), { instanceOf: TypeError, code })
    t.true(error!.message.includes(name), error!.message)
  })
}

test('the native arena validates its own arguments too', t => {
  // Reached past the TypeScript layer on purpose: no input may crash the process.
  const { binding } = require('../../lib/arenas/native.js') as typeof import('../../lib/arenas/native.js')
  const granularity = platform().allocationGranularity
  t.throws(() => new binding.NativeArena('1' as never, false, false), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  for (const size of [0, -granularity, granularity + 1, 1.5, NaN, 2 ** 32, Infinity]) {
    t.throws(() => new binding.NativeArena(size, false, false), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  }
  t.throws(() => new binding.NativeArena(granularity, 1 as never, false), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => new binding.NativeArena(granularity, false, undefined as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => (binding.NativeArena as unknown as () => void)(), { instanceOf: TypeError })

  const native = new binding.NativeArena(granularity, false, false)
  native.close()
  native.close()
  t.throws(() => native.registerRio(), { code: 'ERR_INVALID_STATE' })
  t.is(native.arrayBuffer.byteLength, 0)
})

test('native methods reject a foreign receiver instead of touching its memory', t => {
  const { binding } = require('../../lib/arenas/native.js') as typeof import('../../lib/arenas/native.js')
  const native = new binding.NativeArena(platform().allocationGranularity, false, false)
  const proto = Object.getPrototypeOf(native)
  const invalidThis = { instanceOf: TypeError, code: 'ERR_INVALID_THIS' }
  t.throws(() => proto.registerRio.call({}), invalidThis)
  t.throws(() => proto.close.call(Object.create(proto)), invalidThis)
  t.throws(() => Object.getOwnPropertyDescriptor(proto, 'address')!.get!.call({}), invalidThis)
  native.close()
})

test('a method or getter detached from its object, or called on another, throws ERR_INVALID_THIS (TypeError); a rejected acquire/close rejects with it', async t => {
  const { BufferPool, Lease } = require('../../lib/index.js') as typeof import('../../lib/index.js')
  const pool = new BufferPool({ arenaSize: 1 << 16 })
  const lease = pool.lease(100)
  const invalidThis = { instanceOf: TypeError, code: 'ERR_INVALID_THIS' }
  const { lease: detachedLease } = pool
  t.throws(() => detachedLease(100), invalidThis)
  const { release } = pool.handles
  t.throws(() => release(0), invalidThis)
  t.throws(() => Lease.prototype.release.call(pool.handles), invalidThis)
  t.throws(() => Object.getOwnPropertyDescriptor(Lease.prototype, 'offset')!.get!.call({}), invalidThis)
  t.throws(() => BufferPool.prototype.stats.call(lease), invalidThis)
  t.throws(() => Arena.prototype.close.call(new Proxy(lease.arena, {})), invalidThis)
  await t.throwsAsync(BufferPool.prototype.acquire.call(undefined, 100), invalidThis)
  await t.throwsAsync(BufferPool.prototype.close.call({}), invalidThis)
  t.is(lease.refCount, 1, 'nothing was released')
  lease.release()
  await pool.close()
})

test('classes only the package makes refuse new with ERR_ILLEGAL_CONSTRUCTOR', t => {
  const { Handles, IoUringRegistrar } = require('../../lib/index.js') as typeof import('../../lib/index.js')
  for (const Class of [Arena, Handles, IoUringRegistrar] as unknown as Array<new () => unknown>) {
    t.throws(() => new Class(), { instanceOf: TypeError, code: 'ERR_ILLEGAL_CONSTRUCTOR' }, Class.name)
  }
})
