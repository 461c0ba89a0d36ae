// The Windows code path under Wine (npm run test:windows), which has no
// Registered I/O: the probe must fail cleanly with WSAIoctl's WSAEOPNOTSUPP,
// 'auto' pools must work unregistered, and 'required' must refuse with the
// probe's error as the cause. scripts/windows/test.js marks its node.exe with
// RIO_BUFFER_POOL_UNDER_WINE=1; everywhere else these skip, saying so.
import test, { type ExecutionContext } from 'ava'
import * as util from 'node:util'
import { Arena, BufferPool, PoolError, platform } from '../../lib/index.js'

const underWine = process.platform === 'win32' && process.env.RIO_BUFFER_POOL_UNDER_WINE === '1'

function wine(title: string, fn: (t: ExecutionContext) => void | Promise<void>): void {
  if (underWine) test(title, fn)
  else test.skip(`${title} (skipped: runs under Wine only, in npm run test:windows)`, fn)
}

const WSAEOPNOTSUPP = 10045
// libuv's UV_ENOTSUP on Windows: what Node reports as errno for ENOTSUP there.
const UV_ENOTSUP = -4049
const RIO_INVALID_BUFFERID = 0xFFFFFFFFn
const probeError = { code: 'ENOTSUP', errno: UV_ENOTSUP, syscall: 'WSAIoctl', winerror: WSAEOPNOTSUPP }

wine('platform().rio is unavailable, with WSAIoctl failing with WSAEOPNOTSUPP (10045) as the reason', t => {
  t.is(util.getSystemErrorName(UV_ENOTSUP), 'ENOTSUP')
  t.deepEqual(platform().rio, { available: false, error: probeError })
})

wine('GetSystemInfo: 4 KiB pages, 64 KiB allocation granularity', t => {
  const info = platform()
  t.is(info.os, 'win32')
  t.is(info.pageSize, 4096)
  t.is(info.allocationGranularity, 65536)
})

wine('arenas come from VirtualAlloc: 64 KiB aligned, rounded up to 64 KiB, unregistered', t => {
  const arenas = [1, 65536, 100000].map(size => Arena.create(size))
  t.deepEqual(arenas.map(a => a.size), [65536, 65536, 131072])
  for (const arena of arenas) {
    t.is(arena.address % 65536n, 0n)
    t.is(arena.registration, 'none')
    t.is(arena.bufferId, null)
    arena.buffer.fill(0x5a)
    t.true(arena.buffer.every(b => b === 0x5a))
    arena.close()
  }
})

wine("a default ('auto') BufferPool leases unregistered: bufferId null, RIO_INVALID_BUFFERID in toRioBuf()", async t => {
  const pool = new BufferPool()
  const lease = pool.lease(1000)
  t.is(lease.bufferId, null)
  t.is(lease.arena.registration, 'none')
  lease.buffer.fill(7)
  t.true(lease.buffer.every(b => b === 7))
  const rioBuf = Buffer.from(lease.toRioBuf())
  t.is(rioBuf.readBigUInt64LE(0), RIO_INVALID_BUFFERID)
  t.is(rioBuf.readUInt32LE(8), lease.offset)
  t.is(rioBuf.readUInt32LE(12), 1000)
  lease.release()
  await pool.close()
})

wine("registration 'required' throws RIOPOOL_RIO_UNAVAILABLE with the probe's error as cause", t => {
  for (const attempt of [() => new BufferPool({ registration: 'required' }), () => Arena.create(65536, { registration: 'required' })]) {
    const error = t.throws(attempt, { instanceOf: PoolError, code: 'RIOPOOL_RIO_UNAVAILABLE' })
    t.like(error?.cause, probeError)
    t.is((error?.cause as { winerror?: number }).winerror, WSAEOPNOTSUPP)
  }
})
