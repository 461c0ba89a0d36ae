// Run as its own process: lowers RLIMIT_MEMLOCK to argv[2] bytes and drops
// CAP_IPC_LOCK (so io_uring charges pinned pages to the limit even as
// root), then grows an io_uring-registered pool of argv[3] KiB arenas
// (default 1 MiB) until the kernel refuses. Prints, as JSON, the refusal and whether the pool still
// works afterwards.
import * as fs from 'node:fs'
import { BufferPool, IoUringRegistrar } from '../../lib/index.js'
import { helper, pinnedBytes } from '../support/io-uring-ring.js'

/** io_uring rings this process holds before making its own: libuv's, on Node 22 and later. */
function ringsHeld(): number {
  return fs.readdirSync('/proc/self/fd').filter(fd => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[io_uring]'
    } catch {
      return false // the directory's own descriptor, closed by now
    }
  }).length
}

const MiB = 1024 * 1024

async function main(): Promise<void> {
  const limit = Number(process.argv[2])
  const arenaSize = process.argv[3] === undefined ? MiB : Number(process.argv[3]) * 1024
  const capDropped = helper!.restrictMemlock(limit)
  const runtimeRings = ringsHeld()
  const reg = IoUringRegistrar.create({ slots: 256 })
  const pool = new BufferPool({ registration: reg, arenaSize, maxBytes: 256 * arenaSize })
  const leases = []
  let error: Record<string, unknown> | null = null
  while (leases.length < 256) {
    try {
      leases.push(pool.lease(arenaSize))
    } catch (e) {
      const { code, errno, syscall, message } = e as Error & { code: string; errno: number; syscall: string }
      error = { code, errno, syscall, message }
      break
    }
  }
  const registered = leases.length
  const pinnedAtRefusal = pinnedBytes()
  // Still usable: existing leases, and a freed arena reused.
  leases[0]!.buffer.fill(7)
  const slot = leases[0]!.bufferId
  leases.shift()!.release()
  const reused = pool.lease(1500)
  const reusedSlot = reused.bufferId === slot
  reused.release()
  for (const lease of leases) lease.release()
  await pool.close()
  reg.close()
  process.stdout.write(JSON.stringify({ limit, arenaSize, uid: process.getuid!(), capDropped, runtimeRings, registered, pinnedAtRefusal, error, reusedSlot, pinnedAfterClose: pinnedBytes() }))
}

main().catch(error => {
  console.error(error)
  process.exit(1)
})
