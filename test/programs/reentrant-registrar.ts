// Child program: a Registrar whose register() or deregister() calls back into
// its own pool (trim, close, lease), as a logging or metrics wrapper might.
// Prints, as JSON, the codes the calls back got and the pool's state after:
// overlap among later leases, registrations left, whether close() resolved.
import { BufferPool, type Lease, type Registrar } from '../../lib/index.js'
import { countingRegistrar } from '../support/doubles.js'

type Reentry = 'trim' | 'close' | 'lease' | 'retain-release'

const ARENA = 1 << 16

async function scenario(when: 'register' | 'deregister', reentry: Reentry): Promise<unknown> {
  const counting = countingRegistrar()
  const codes: string[] = []
  let pool: BufferPool | undefined
  let held: Lease | undefined
  let armed = false
  const reenter = (): void => {
    if (!armed || pool === undefined) return
    armed = false
    try {
      if (reentry === 'trim') pool.trim()
      else if (reentry === 'close') {
        pool.close().then(() => codes.push('closed'), (error: { code?: string }) => codes.push(`rejected ${error.code}`))
        return
      }
      else if (reentry === 'lease') pool.lease(1500)
      else if (held) { held.retain(); held.release() }
      codes.push('ok')
    } catch (error) {
      codes.push((error as { code?: string }).code ?? String(error))
    }
  }
  const registrar: Registrar = {
    register(address, length) {
      reenter()
      return counting.register(address, length)
    },
    deregister(id) {
      reenter()
      counting.deregister(id)
    },
  }
  pool = new BufferPool({ arenaSize: ARENA, maxBytes: 4 * ARENA, spareArenas: 0, registration: registrar })
  held = pool.lease(1500)
  // A second arena: 60 KiB does not fit beside the first lease's slab.
  if (when === 'register') armed = true
  const big = pool.lease(60 * 1024)
  if (when === 'deregister') armed = true
  big.release()
  pool.trim()
  await new Promise(resolve => setImmediate(resolve))
  await new Promise(resolve => setImmediate(resolve))

  // Later leases must not overlap, and the figures must add up.
  const later = Array.from({ length: 40 }, (_, k) => pool!.tryLease(k % 4 === 0 ? 40 * 1024 : 1500)).filter(l => l !== null)
  const spans = [held, ...later].map(l => ({ id: String(l.bufferId), start: l.offset, end: l.offset + l.capacity }))
  const overlap = spans.some((a, i) => spans.some((b, j) => i < j && a.id === b.id && a.start < b.end && b.start < a.end))
  const stats = pool.stats()
  const consistent = stats.arenaBytes >= 0 && stats.arenas * ARENA === stats.arenaBytes && counting.live.size === stats.arenas
  for (const l of later) l.release()
  held.release()
  const closed = await Promise.race([pool.close().then(() => true, () => false), new Promise(resolve => setTimeout(() => resolve('hung'), 2000))])
  return { codes, overlap, consistent, closed, registrationsLeft: counting.live.size, registered: counting.registered, deregistered: counting.deregistered }
}

const [when, reentry] = process.argv.slice(2) as ['register' | 'deregister', Reentry]
scenario(when, reentry).then(result => console.log(JSON.stringify(result)), error => {
  console.error(error)
  process.exitCode = 1
})
