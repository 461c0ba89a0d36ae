import test from 'ava'
import * as fs from 'node:fs'
import { Arena, platform, PoolError, type Registrar } from '../../lib/index.js'

const { allocationGranularity: granularity, pageSize } = platform()

test('size is rounded up to the allocation granularity and the arena is page aligned', t => {
  for (const asked of [1, granularity - 1, granularity, granularity + 1, 3 * granularity + 17]) {
    const arena = Arena.create(asked, { registration: 'off' })
    t.is(arena.size, Math.ceil(asked / granularity) * granularity)
    t.is(arena.address % BigInt(pageSize), 0n)
    t.is(arena.address % BigInt(granularity), 0n, 'VirtualAlloc/mmap start on a granularity boundary')
    t.is(arena.buffer.length, arena.size)
    arena.close()
  }
})

test('the buffer is zeroed, readable and writable across the whole arena, without copies', t => {
  const arena = Arena.create(4 * granularity, { registration: 'off' })
  const { buffer } = arena
  t.true(buffer.every(byte => byte === 0))
  buffer.fill(0xab)
  buffer.writeUInt32LE(0xdeadbeef, arena.size - 4)
  t.is(buffer[0], 0xab)
  t.is(buffer.readUInt32LE(arena.size - 4), 0xdeadbeef)
  t.is(arena.buffer, buffer, 'the same Buffer every time')
  t.is(new Uint8Array(buffer.buffer, buffer.byteOffset, 1)[0], 0xab, 'views share the memory')
  arena.close()
})

test('close() detaches every view: they read as zero-length instead of freed memory', t => {
  const arena = Arena.create(granularity, { registration: 'off' })
  const whole = arena.buffer
  const slice = whole.subarray(100, 200)
  const view = new DataView(whole.buffer, whole.byteOffset, 64)
  arena.close()
  t.true(arena.closed)
  t.is(whole.length, 0)
  t.is(slice.length, 0)
  t.is(whole.buffer.byteLength, 0)
  t.throws(() => view.getUint8(0), { instanceOf: TypeError })
  t.is(whole[0] as number | undefined, undefined, "reads past a detached view find nothing")
})

test('close() is idempotent', t => {
  const arena = Arena.create(granularity, { registration: 'off' })
  arena.close()
  t.notThrows(() => arena.close())
  t.true(arena.closed)
})

test('close() throws RIOPOOL_BUSY while refs > 0 and changes nothing', t => {
  const arena = Arena.create(granularity, { registration: 'off' })
  arena.ref().ref()
  t.is(arena.refs, 2)
  const error = t.throws(() => arena.close(), { instanceOf: PoolError, code: 'RIOPOOL_BUSY' })
  t.regex(error!.message, /2 outstanding/)
  t.false(arena.closed)
  arena.buffer[0] = 1
  t.is(arena.buffer[0], 1, 'memory still usable')
  arena.unref().unref()
  arena.close()
  t.true(arena.closed)
})

test('unref() below zero throws ERR_INVALID_STATE; ref() after close throws RIOPOOL_CLOSED', t => {
  const arena = Arena.create(granularity, { registration: 'off' })
  t.throws(() => arena.unref(), { code: 'ERR_INVALID_STATE' })
  t.is(arena.refs, 0)
  arena.close()
  t.throws(() => arena.ref(), { instanceOf: PoolError, code: 'RIOPOOL_CLOSED' })
  t.is(arena.refs, 0)
})

test("registration 'off' never registers", t => {
  const arena = Arena.create(granularity, { registration: 'off' })
  t.is(arena.registration, 'none')
  t.is(arena.bufferId, null)
  arena.close()
})

test("registration 'auto' registers with RIO exactly where RIO is available", t => {
  const arena = Arena.create(granularity)
  if (platform().rio.available) {
    t.is(arena.registration, 'rio')
    t.is(typeof arena.bufferId, 'bigint')
    t.not(arena.bufferId, 0xffffffffn, 'never the RIO_INVALID_BUFFERID sentinel')
  } else {
    t.is(arena.registration, 'none')
    t.is(arena.bufferId, null)
  }
  arena.close()
})

const rioAvailable = platform().rio.available
const whereRioIsMissing = rioAvailable ? test.skip : test
whereRioIsMissing(`registration 'required' throws RIOPOOL_RIO_UNAVAILABLE with the probe's error as cause${rioAvailable ? ' (skipped: needs a machine without RIO)' : ''}`, t => {
  const error = t.throws(() => Arena.create(granularity, { registration: 'required' }), {
    instanceOf: PoolError,
    code: 'RIOPOOL_RIO_UNAVAILABLE',
  })
  const cause = error!.cause as NodeJS.ErrnoException & { winerror?: number }
  const probe = platform().rio.error!
  t.is(cause.code, probe.code)
  t.is(cause.errno, probe.errno)
  t.is(cause.syscall, probe.syscall)
  t.is(cause.winerror, probe.winerror)
  if (process.platform === 'linux') t.is(cause.code, 'ENOTSUP')
})

function recordingRegistrar(id = 7n): Registrar & { calls: Array<[string, ...unknown[]]> } {
  const calls: Array<[string, ...unknown[]]> = []
  return {
    calls,
    register(address, length) {
      calls.push(['register', address, length])
      return id
    },
    deregister(got) {
      calls.push(['deregister', got])
    },
  }
}

test('a Registrar is called exactly once each way, with the arena address and length', t => {
  const registrar = recordingRegistrar(0x1234_5678_9abcn)
  const arena = Arena.create(2 * granularity + 1, { registration: registrar })
  t.is(arena.registration, 'custom')
  t.is(arena.bufferId, 0x1234_5678_9abcn)
  t.deepEqual(registrar.calls, [['register', arena.address, arena.size]])
  arena.close()
  arena.close()
  t.deepEqual(registrar.calls, [['register', arena.address, arena.size], ['deregister', 0x1234_5678_9abcn]])
})

/** Whether some mapping of this process covers [address, address + length); null where /proc is missing. */
function mapped(address: bigint, length: number): boolean | null {
  if (process.platform !== 'linux') return null
  return fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter(Boolean).some(line => {
    const [start, end] = line.split(' ')[0]!.split('-').map(hex => BigInt(`0x${hex}`)) as [bigint, bigint]
    return start <= address && end >= address + BigInt(length)
  })
}

test('a Registrar that throws on register leaves nothing behind: the error as thrown, no deregister, the memory unmapped', t => {
  const error = new Error('ring full')
  const seen: Array<{ address: bigint; length: number; mapped: boolean | null }> = []
  t.throws(() => Arena.create(64 * granularity, {
    registration: {
      register: (address, length) => {
        seen.push({ address, length, mapped: mapped(address, length) })
        throw error
      },
      deregister: () => t.fail('nothing to deregister'),
    },
  }), { is: error })
  t.is(seen.length, 1)
  const [{ address, length, mapped: mappedThen }] = seen as [typeof seen[0]]
  t.is(length, 64 * granularity)
  if (mappedThen === null) {
    t.log('no /proc/self/maps here: the unmapping is not observed')
  } else {
    t.true(mappedThen, 'mapped while the Registrar ran')
    t.false(mapped(address, length), 'unmapped once create() threw')
  }
})

test('a Registrar must return a bigint id; what it returned instead is handed back to deregister', t => {
  const given: unknown[] = []
  t.throws(() => Arena.create(granularity, {
    registration: { register: () => 5 as unknown as bigint, deregister: id => { given.push(id) } },
  }), { instanceOf: TypeError, code: 'ERR_INVALID_RETURN_VALUE' })
  t.deepEqual(given, [5])
})

test('a Registrar whose deregister throws leaves the arena open, so close() can be retried', t => {
  let failures = 1
  const arena = Arena.create(granularity, {
    registration: {
      register: () => 1n,
      deregister: () => { if (failures-- > 0) throw new Error('busy ring') },
    },
  })
  t.throws(() => arena.close(), { message: 'busy ring' })
  t.false(arena.closed)
  t.is(arena.buffer.length, arena.size)
  arena.close()
  t.true(arena.closed)
})

test('largePages is honoured where granted and falls back to ordinary pages otherwise, never on POSIX', t => {
  const { largePageMinimum } = platform()
  const size = Math.max(largePageMinimum, granularity)
  const arena = Arena.create(size, { largePages: true, registration: 'off' })
  // POSIX reports no large pages (THP is kernel policy); Windows grants them
  // only with SeLockMemoryPrivilege and a multiple of GetLargePageMinimum().
  if (process.platform !== 'win32') t.false(arena.largePages)
  if (largePageMinimum === 0) t.false(arena.largePages)
  t.is(arena.address % BigInt(arena.largePages ? largePageMinimum : pageSize), 0n)
  t.is(arena.size, size)
  const { buffer } = arena
  for (let at = 0; at < size; at += pageSize) buffer[at] = at / pageSize & 0xff
  buffer[size - 1] = 9
  for (let at = 0; at < size; at += pageSize) t.is(buffer[at], at / pageSize & 0xff)
  t.is(buffer[size - 1], 9)
  arena.close()

  // Not a multiple of the large page: never large pages, on any platform.
  if (largePageMinimum > granularity) {
    const odd = Arena.create(largePageMinimum + granularity, { largePages: true, registration: 'off' })
    t.false(odd.largePages)
    odd.close()
  }
})

/** VmLck in KiB (Linux); null elsewhere. */
function lockedKiB(): number | null {
  if (process.platform !== 'linux') return null
  return Number(/^VmLck:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1])
}

/** Whether mlock of `bytes` more must be allowed: root, or RLIMIT_MEMLOCK has room; null where unknown. */
function memlockAllows(bytes: number): boolean | null {
  if (process.platform === 'win32') return true // 64 KiB is well inside the default minimum working set
  if (process.platform !== 'linux') return null
  if (process.getuid?.() === 0) return true
  const limit = /^Max locked memory\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1]
  if (limit === undefined) return null
  return limit === 'unlimited' || Number(limit) >= lockedKiB()! * 1024 + bytes
}

test('lock pins the pages (VmLck grows by the arena, and shrinks at close()), or, only where RLIMIT_MEMLOCK forbids it, fails in Node shape', t => {
  const allowed = memlockAllows(granularity)
  const before = lockedKiB()
  let arena: Arena
  try {
    arena = Arena.create(granularity, { lock: true, registration: 'off' })
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    t.not(allowed, true, `locking ${granularity} bytes was allowed, yet: ${e.message}`)
    t.true(['ENOMEM', 'EPERM', 'EAGAIN'].includes(e.code!), e.message)
    t.regex(e.syscall!, /mlock|VirtualLock/)
    return
  }
  arena.buffer[0] = 1
  const whileOpen = lockedKiB()
  arena.close()
  const afterClose = lockedKiB()
  if (before === null) {
    t.not(allowed, false)
    t.log('no VmLck here: only the success is observed')
  } else {
    t.true(whileOpen! - before >= granularity / 1024, `VmLck ${before} -> ${whileOpen} KiB`)
    t.true(afterClose! <= before, `VmLck ${whileOpen} -> ${afterClose} KiB after close()`)
  }
})

test('a Registrar that calls close() from deregister() is deregistered once', t => {
  const registrar = countingRegistrarForArena()
  let arena: Arena | undefined
  const reentrant = { register: registrar.register, deregister: (id: bigint) => { registrar.deregister(id); arena!.close() } }
  arena = Arena.create(granularity, { registration: reentrant })
  arena.close()
  t.is(registrar.deregistered, 1)
  t.true(arena.closed)
})

function countingRegistrarForArena(): Registrar & { deregistered: number } {
  const r = {
    deregistered: 0,
    register: () => 9n,
    deregister: () => { r.deregistered++ },
  }
  return r
}
