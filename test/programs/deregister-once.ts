// Child program (--expose-gc): arenas closed, then collected, must not
// deregister again through their finalizer. The Registrar hands out the
// lowest free id, as an io_uring table hands out slots, so a second
// deregistration of a closed arena's id would empty the newer arena that took
// it. Prints, as JSON, the deregistrations per id and what stays registered.
import { Arena, BufferPool, type Registrar } from '../../lib/index.js'

const gc = (globalThis as { gc?: () => void }).gc!

function slotRegistrar(): Registrar & { live: Set<bigint>; deregistrations: number } {
  const registrar = {
    live: new Set<bigint>(),
    deregistrations: 0,
    register(): bigint {
      let id = 0n
      while (registrar.live.has(id)) id++
      registrar.live.add(id)
      return id
    },
    deregister(id: bigint): void {
      registrar.deregistrations++
      registrar.live.delete(id)
    },
  }
  return registrar
}

async function collect(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    gc()
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

async function main(): Promise<void> {
  // An Arena of its own, closed then dropped; a newer one takes its id.
  const own = slotRegistrar()
  ;(() => { Arena.create(1 << 16, { registration: own }).close() })()
  const newer = Arena.create(1 << 16, { registration: own })
  await collect()
  const arena = { deregistrations: own.deregistrations, newerStillRegistered: own.live.has(newer.bufferId!) }
  newer.close()

  // A pool's arena, closed by trim(); the next arena takes its id.
  const shared = slotRegistrar()
  const pool = new BufferPool({ arenaSize: 1 << 16, spareArenas: 0, registration: shared })
  pool.lease(1500).release()
  pool.trim()
  const held = pool.lease(1500)
  await collect()
  const inPool = { deregistrations: shared.deregistrations, newerStillRegistered: shared.live.has(held.bufferId!) }
  held.release()
  await pool.close()
  console.log(JSON.stringify({ arena, inPool, leftAfterClose: shared.live.size }))
}

main().catch(error => {
  console.error(error)
  process.exitCode = 1
})
