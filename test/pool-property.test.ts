// Property: through any sequence of lease/retain/release on both faces, the
// pool agrees with a plain model: live leases never overlap, stats are exact,
// no slot is lost, and after close() every registration is gone.
import test from 'ava'
import fc from 'fast-check'
import { BufferPool, PoolError, type Lease } from '../lib/index.js'
import { MiB, countingRegistrar } from './helpers.js'

type Op =
  | { kind: 'lease'; size: number; face: 'object' | 'handle' }
  | { kind: 'retain'; pick: number; n: number }
  | { kind: 'release'; pick: number; n: number }
  | { kind: 'stale'; pick: number }
  | { kind: 'idle' }

const sizeArb = fc.oneof(
  fc.constantFrom(40, 576, 1500, 64, 65536),
  fc.integer({ min: 1, max: 4096 }),
  fc.integer({ min: 4097, max: 70000 }),
  fc.integer({ min: 70001, max: 300000 }),
)

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('lease' as const), size: sizeArb, face: fc.constantFrom('object' as const, 'handle' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retain' as const), pick: fc.nat(), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'idle' as const }) },
)

interface Held {
  handle: number
  lease: Lease | null
  size: number
  refs: number
}

function capacityOf(size: number): number {
  if (size > 65536) return Math.ceil(size / 4096) * 4096
  if (size <= 64) return Math.ceil(size / 16) * 16
  let base = 64
  while (base * 2 < size) base *= 2
  if (size <= base) return base
  const step = base / 4
  return base + Math.ceil((size - base) / step) * step
}

test('random lease/retain/release/close sequences agree with a model', async t => {
  await fc.assert(fc.asyncProperty(fc.array(opArb, { maxLength: 150 }), async ops => {
    const registrar = countingRegistrar()
    const pool = new BufferPool({ arenaSize: MiB, maxBytes: 4 * MiB, spareArenas: 1, registration: registrar })
    const H = pool.handles
    const live: Held[] = []
    const dead: Held[] = []

    for (const op of ops) {
      if (op.kind === 'lease') {
        const lease = op.face === 'object' ? pool.tryLease(op.size) : null
        const handle = op.face === 'object' ? (lease?.handle ?? -1) : H.tryLease(op.size)
        if (handle < 0) {
          // Exhaustion is legitimate only near the budget.
          const held = live.reduce((sum, h) => sum + capacityOf(h.size), 0)
          if (held + capacityOf(op.size) < MiB) throw new Error(`refused ${op.size} with only ${held} leased`)
          continue
        }
        live.push({ handle, lease, size: op.size, refs: 1 })
      } else if (op.kind === 'idle') {
        await new Promise(resolve => setImmediate(resolve))
      } else if (op.kind === 'stale') {
        const gone = dead[op.pick % Math.max(dead.length, 1)]
        if (!gone) continue
        if (gone.lease) {
          if (!gone.lease.released) throw new Error('a released Lease reads as live')
          try { gone.lease.release(); throw new Error('stale Lease released') } catch (e) { if (!(e instanceof PoolError)) throw e }
        }
        // A handle whose slot was reused 256 times may be live again: only check the model's own ones.
        if (!live.some(h => h.handle === gone.handle)) {
          try { H.retain(gone.handle); throw new Error('stale handle retained') } catch (e) { if (!(e instanceof PoolError)) throw e }
        }
      } else {
        const held = live[op.pick % Math.max(live.length, 1)]
        if (!held) continue
        if (op.kind === 'retain') {
          if (held.lease) held.lease.retain(op.n)
          else H.retain(held.handle, op.n)
          held.refs += op.n
        } else if (op.n > held.refs) {
          const release = () => (held.lease ? held.lease.release(op.n) : H.release(held.handle, op.n))
          try { release(); throw new Error('over-release accepted') } catch (e) { if (!(e instanceof PoolError) || e.code !== 'RIOPOOL_RELEASED') throw e }
        } else {
          const freed = held.lease ? held.lease.release(op.n) : H.release(held.handle, op.n)
          held.refs -= op.n
          if (freed !== (held.refs === 0)) throw new Error('release() said the wrong thing')
          if (held.refs === 0) {
            live.splice(live.indexOf(held), 1)
            dead.push(held)
          }
        }
      }

      // Exact stats.
      const leased = live.reduce((sum, h) => sum + capacityOf(h.size), 0)
      const stats = pool.stats()
      if (stats.outstandingLeases !== live.length) throw new Error('outstandingLeases')
      if (stats.leasedBytes !== leased) throw new Error(`leasedBytes ${stats.leasedBytes} != ${leased}`)
      if (stats.requestedBytes !== live.reduce((sum, h) => sum + h.size, 0)) throw new Error('requestedBytes')
      if (stats.arenaBytes !== stats.arenas * MiB || registrar.live.size !== stats.arenas) throw new Error('arenas')
      // No slot lost: every slot of a class is free or held by exactly one live lease.
      for (const k of stats.classes) {
        const inClass = live.filter(h => h.size <= 65536 && capacityOf(h.size) === k.size).length
        if (k.freeSlots + inClass !== k.slots) throw new Error(`class ${k.size}: ${k.freeSlots} free + ${inClass} live != ${k.slots}`)
      }
      // No overlap, nothing outside its arena, and the faces agree.
      const placed = live.map(h => ({ arena: H.arena(h.handle), start: H.offset(h.handle), end: H.offset(h.handle) + H.capacity(h.handle), h }))
      for (const p of placed) {
        if (p.end > p.arena.size) throw new Error('lease crosses its arena')
        if (H.length(p.h.handle) !== p.h.size || H.refCount(p.h.handle) !== p.h.refs) throw new Error('handle state')
        if (p.h.lease && (p.h.lease.refCount !== p.h.refs || p.h.lease.offset !== p.start)) throw new Error('faces disagree')
      }
      placed.sort((a, b) => (a.arena === b.arena ? a.start - b.start : a.arena.address < b.arena.address ? -1 : 1))
      for (let k = 1; k < placed.length; k++) {
        if (placed[k]!.arena === placed[k - 1]!.arena && placed[k]!.start < placed[k - 1]!.end) throw new Error('overlap')
      }
    }

    const closing = pool.close()
    for (const held of live) {
      if (held.lease) held.lease.release(held.refs)
      else H.release(held.handle, held.refs)
    }
    await closing
    if (registrar.live.size !== 0 || registrar.registered !== registrar.deregistered) throw new Error('registrations left after close')
    if (pool.stats().arenas !== 0) throw new Error('arenas left after close')
  }), { numRuns: 150 })
  t.pass()
})
