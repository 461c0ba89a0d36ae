// Run with --expose-gc: a pool dropped without close() and holding no lease
// gives its arenas back on GC; a pool dropped while a Lease of it is still
// referenced stays alive (the lease keeps working). Prints JSON.
import { BufferPool, type Lease } from '../../lib/index.js'
import { countingRegistrar } from '../support/doubles.js'

const gc = (globalThis as { gc?: () => void }).gc!
const MiB = 1024 * 1024

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    gc()
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

async function main(): Promise<void> {
  const dropped = countingRegistrar()
  ;(() => {
    const pool = new BufferPool({ arenaSize: MiB, registration: dropped })
    for (let i = 0; i < 3; i++) pool.lease(MiB).release() // arenas made, leases all released
    pool.handles.release(pool.handles.lease(100))
  })()
  const kept = countingRegistrar()
  let lease: Lease | null = (() => {
    const pool = new BufferPool({ arenaSize: MiB, registration: kept })
    const held = pool.lease(4096)
    held.buffer.fill(7)
    return held
  })()
  await settle()
  const keptAlive = { registrations: kept.live.size, byte: lease.buffer[4095], released: lease.release() }
  lease = null
  await settle()
  console.log(JSON.stringify({ droppedRegistered: dropped.registered, droppedLive: dropped.live.size, keptAlive, keptLiveAfter: kept.live.size }))
}

void main()
