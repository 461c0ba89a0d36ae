// Prints, as JSON, what io_uring pins (VmPin of this process, bytes) for:
// - pooled: `count` small leases from a pool whose arenas each take one slot;
// - individual: the same number of buffers of the same size registered one
//   by one, each in a slot of its own;
// - clone: a second ring given the pool's slots with cloneInto(), then a
//   new arena registered after the clone.
// A child process of its own, so no other test's registrations are counted.
import { Arena, BufferPool, IoUringRegistrar } from '../../lib/index.js'
import { helper, pinnedBytes } from '../support/io-uring-ring.js'

const COUNT = 300
const SIZE = 1500
const ARENA = 256 * 1024

function pooled() {
  const reg = IoUringRegistrar.create({ slots: 16 })
  const pool = new BufferPool({ registration: reg, arenaSize: ARENA })
  const before = pinnedBytes()
  const leases = Array.from({ length: COUNT }, () => pool.lease(SIZE))
  const pinned = pinnedBytes() - before
  return { reg, pool, leases, figures: { leases: COUNT, leaseSize: SIZE, arenaBytes: pool.stats().arenaBytes, slots: reg.slotsInUse, pinned } }
}

function individual() {
  const reg = IoUringRegistrar.create({ slots: COUNT })
  const memory = Arena.create(COUNT * SIZE, { registration: 'off' })
  const before = pinnedBytes()
  const ids = Array.from({ length: COUNT }, (_, i) => reg.register(memory.address + BigInt(i * SIZE), SIZE))
  const pinned = pinnedBytes() - before
  for (const id of ids) reg.deregister(id)
  const afterDeregister = pinnedBytes() - before
  reg.close()
  memory.close()
  return { buffers: COUNT, bufferSize: SIZE, slots: ids.length, pinned, afterDeregister }
}

function clone(reg: IoUringRegistrar, pool: BufferPool) {
  const ring = helper!.createRing(8)
  const before = pinnedBytes()
  reg.cloneInto(ring.fd)
  const afterClone = pinnedBytes() - before
  const lease = pool.lease(ARENA) // a whole new arena, now registered in both rings
  const afterNewArena = pinnedBytes() - before
  lease.release()
  return { afterClone, afterNewArena, arenaSize: ARENA, ring }
}

async function main(): Promise<void> {
  const page = Number(process.argv[2] ?? 4096)
  const { reg, pool, leases, figures } = pooled()
  const one = individual()
  const cloned = process.argv[3] === 'clone' ? clone(reg, pool) : null
  for (const lease of leases) lease.release()
  await pool.close()
  const afterClose = pinnedBytes()
  reg.close()
  if (cloned) helper!.closeRing(cloned.ring)
  process.stdout.write(JSON.stringify({
    page,
    pooled: figures,
    individual: one,
    clone: cloned && { afterClone: cloned.afterClone, afterNewArena: cloned.afterNewArena, arenaSize: cloned.arenaSize },
    afterClose,
  }))
}

main().catch(error => {
  console.error(error)
  process.exit(1)
})
