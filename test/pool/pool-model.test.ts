// Property: through long random sequences of leases (both faces, every size
// up to a whole arena), retains and releases mixed across faces, stale uses,
// trims, waits that are aborted or served, growth to the budget and back,
// and a close with leases still out, the pool agrees with a plain model:
// - live leases never overlap and never cross their arena, and keep their bytes;
// - stats are exact (leases, requested and leased bytes, arenas, registrations);
// - a lease is refused only at the budget, and a whole-arena lease exactly
//   when no arena is empty and no new one fits;
// - while closing, leasing is refused, held leases still work, and close()
//   resolves once, after the last release, with every registration undone.
// Operations are counted as they run; the test asserts at least 100,000.
import test from 'ava'
import fc from 'fast-check'
import { BufferPool, PoolError, SIZE_CLASSES, type Arena, type Lease } from '../../lib/index.js'
import { countingRegistrar, nextTurn } from '../support/doubles.js'

const KiB = 1024
const PAGE = 4096
const MIN_OPERATIONS = 100_000
const RUNS = 64
const LENGTH = { minLength: 1600, maxLength: 2000 }

type Face = 'object' | 'handle'
type Op =
  | { kind: 'lease'; size: number; face: Face; throwing: boolean }
  | { kind: 'retain'; pick: number; n: number; face: Face }
  | { kind: 'release'; pick: number; n: number; face: Face }
  | { kind: 'stale'; pick: number }
  | { kind: 'acquire'; abort: boolean }
  | { kind: 'trim' }
  | { kind: 'idle' }

interface Config { arenaSize: number; arenas: number; spareArenas: number }

const configArb: fc.Arbitrary<Config> = fc.record({
  arenaSize: fc.constantFrom(64 * KiB, 128 * KiB, 256 * KiB),
  arenas: fc.integer({ min: 2, max: 4 }),
  spareArenas: fc.integer({ min: 0, max: 1 }),
})

// Fractions of an arena, so every pool size meets every kind of request.
const sizeArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 2048 }) },
  { weight: 2, arbitrary: fc.constantFrom(16, 40, 48, 64, 576, 1500, 4096, 65536) },
  { weight: 2, arbitrary: fc.integer({ min: 2049, max: 65536 }) },
  { weight: 1, arbitrary: fc.double({ min: 0.26, max: 1, noNaN: true }).map(f => -f) }, // page runs, up to the whole arena
)
const faceArb = fc.constantFrom<Face>('object', 'handle')

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('lease' as const), size: sizeArb, face: faceArb, throwing: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('retain' as const), pick: fc.nat(), n: fc.integer({ min: 1, max: 3 }), face: faceArb }) },
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), n: fc.integer({ min: 1, max: 4 }), face: faceArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('acquire' as const), abort: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'trim' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'idle' as const }) },
)

/** The slot (or page run) a request of `size` bytes takes. */
function capacityOf(size: number): number {
  const sizeClass = SIZE_CLASSES.find(c => c.size >= size)
  return sizeClass ? sizeClass.size : Math.ceil(size / PAGE) * PAGE
}

interface Held {
  handle: number
  lease: Lease | null // null: taken through pool.handles
  size: number
  refs: number
  stamp: number
}

let operations = 0
// What the runs met, so a weak generator shows: each must be non-zero.
const seen = { refusals: 0, wholeArenaLeases: 0, waitsServed: 0, waitsAborted: 0, fullBudget: 0, shrinks: 0, overReleases: 0, staleUses: 0 }

async function runSequence(config: Config, ops: readonly Op[]): Promise<void> {
  const { arenaSize } = config
  const maxBytes = config.arenas * arenaSize
  const registrar = countingRegistrar()
  const pool = new BufferPool({ arenaSize, maxBytes, spareArenas: config.spareArenas, registration: registrar })
  const H = pool.handles
  const live: Held[] = []
  const dead: Held[] = []
  let stamps = 0
  const fail = (message: string): never => { throw new Error(`${message} (after ${operations} operations)`) }
  const expectCode = (code: string, fn: () => unknown): void => {
    try {
      fn()
    } catch (error) {
      if (error instanceof PoolError && error.code === code) return
      throw error
    }
    fail(`expected ${code}`)
  }
  const bufferOf = (held: Held): Buffer => (held.lease ? held.lease.buffer : H.buffer(held.handle))
  const adopt = (handle: number, lease: Lease | null, size: number): void => {
    const held = { handle, lease, size, refs: 1, stamp: ++stamps & 0xff || 1 }
    const bytes = bufferOf(held)
    if (bytes.length !== size) fail(`buffer of ${bytes.length} bytes for a ${size}-byte lease`)
    bytes[0] = held.stamp
    bytes[size - 1] = held.stamp
    live.push(held)
  }
  const drop = (held: Held): void => {
    live.splice(live.indexOf(held), 1)
    dead.push(held)
  }
  const arenaOf = (held: Held): Arena => H.arena(held.handle)
  const emptyArenas = (): number => pool.stats().arenas - new Set(live.map(arenaOf)).size

  const releaseThrough = (held: Held, face: Face, n: number): boolean =>
    face === 'object' && held.lease ? held.lease.release(n) : H.release(held.handle, n)

  for (const op of ops) {
    operations++
    if (op.kind === 'lease') {
      const size = op.size < 0 ? Math.max(PAGE, Math.round(-op.size * arenaSize)) : op.size
      const before = pool.stats()
      const whole = size > arenaSize - PAGE
      const fits = whole ? emptyArenas() > 0 || before.arenaBytes + arenaSize <= maxBytes : null
      let handle = -1
      let lease: Lease | null = null
      if (op.throwing) {
        try {
          if (op.face === 'object') lease = pool.lease(size)
          else handle = H.lease(size)
        } catch (error) {
          if (!(error instanceof PoolError) || error.code !== 'RIOPOOL_EXHAUSTED') throw error
        }
      } else if (op.face === 'object') {
        lease = pool.tryLease(size)
      } else {
        handle = H.tryLease(size)
      }
      if (lease) handle = lease.handle
      if (handle < 0) {
        const after = pool.stats()
        if (after.arenaBytes + arenaSize <= maxBytes) fail(`refused ${size} bytes with room for another arena`)
        if (fits === true) fail(`refused a whole-arena lease with an empty arena or room to grow`)
        if (after.outstandingLeases !== live.length) fail('a refusal changed the lease count')
        seen.refusals++
        continue
      }
      if (fits === false) fail('a whole-arena lease succeeded with no empty arena and no room')
      if (whole) seen.wholeArenaLeases++
      adopt(handle, lease, size)
    } else if (op.kind === 'retain' || op.kind === 'release') {
      const held = live[op.pick % Math.max(live.length, 1)]
      if (!held) continue
      if (op.kind === 'retain') {
        if (op.face === 'object' && held.lease) held.lease.retain(op.n)
        else H.retain(held.handle, op.n)
        held.refs += op.n
      } else if (op.n > held.refs) {
        const stats = JSON.stringify(pool.stats())
        expectCode('RIOPOOL_RELEASED', () => releaseThrough(held, op.face, op.n))
        seen.overReleases++
        if (JSON.stringify(pool.stats()) !== stats) fail('a refused over-release changed the stats')
      } else {
        const bytes = bufferOf(held)
        if (bytes[0] !== held.stamp || bytes[held.size - 1] !== held.stamp) fail('a lease lost its bytes: another lease overlapped it')
        const freed = releaseThrough(held, op.face, op.n)
        held.refs -= op.n
        if (freed !== (held.refs === 0)) fail('release() said the wrong thing')
        if (held.refs === 0) drop(held)
      }
    } else if (op.kind === 'stale') {
      const gone = dead[op.pick % Math.max(dead.length, 1)]
      if (!gone) continue
      const stats = JSON.stringify(pool.stats())
      if (gone.lease) {
        if (!gone.lease.released) fail('a released Lease reads as live')
        expectCode('RIOPOOL_RELEASED', () => gone.lease!.release())
        expectCode('RIOPOOL_RELEASED', () => gone.lease!.retain())
      }
      // A handle whose slot was reused 256 times is live again: only check ones no live lease holds.
      if (!live.some(h => h.handle === gone.handle)) expectCode('RIOPOOL_RELEASED', () => H.retain(gone.handle))
      if (JSON.stringify(pool.stats()) !== stats) fail('a stale use changed the stats')
      seen.staleUses++
    } else if (op.kind === 'acquire') {
      // A whole-arena wait: served at once, or when an arena empties, or aborted.
      const controller = new AbortController()
      let lease: Lease | null = null
      let rejection: unknown = null
      const waiting = pool.acquire(arenaSize, { signal: controller.signal }).then(l => { lease = l }, e => { rejection = e })
      await nextTurn()
      if (!lease && !rejection) {
        if (pool.stats().waiters !== 1) fail('a pending acquire() is not counted as a waiter')
        if (op.abort) {
          controller.abort()
          await waiting
          if ((rejection as Error | null)?.name !== 'AbortError') fail(`abort gave ${String(rejection)}`)
          if (pool.stats().waiters !== 0) fail('an aborted waiter is still counted')
          seen.waitsAborted++
          continue
        }
        // Empty the arena that holds the fewest leases.
        const byArena = new Map<Arena, Held[]>()
        for (const held of live) byArena.set(arenaOf(held), [...(byArena.get(arenaOf(held)) ?? []), held])
        const smallest = [...byArena.values()].sort((a, b) => a.length - b.length)[0] ?? []
        for (const held of smallest) {
          H.release(held.handle, held.refs)
          held.refs = 0
          drop(held)
        }
        await waiting
        seen.waitsServed++
      }
      if (rejection) throw rejection
      adopt(lease!.handle, lease, arenaSize)
    } else if (op.kind === 'trim') {
      const arenas = pool.stats().arenas
      pool.trim()
      if (pool.stats().arenas < arenas) seen.shrinks++
      if (emptyArenas() !== 0) fail('trim() left an empty arena')
    } else {
      await nextTurn()
    }

    const stats = pool.stats()
    if (stats.outstandingLeases !== live.length) fail(`outstandingLeases ${stats.outstandingLeases} != ${live.length}`)
    if (stats.requestedBytes !== live.reduce((sum, h) => sum + h.size, 0)) fail('requestedBytes')
    if (stats.leasedBytes !== live.reduce((sum, h) => sum + capacityOf(h.size), 0)) fail('leasedBytes')
    if (stats.arenaBytes !== stats.arenas * arenaSize || stats.arenaBytes > maxBytes) fail('arenaBytes')
    if (registrar.live.size !== stats.arenas) fail(`${registrar.live.size} registrations for ${stats.arenas} arenas`)
    if (stats.arenaBytes === maxBytes) seen.fullBudget++
    if (operations % 64 === 0) checkPlacement(live, H)
  }
  checkPlacement(live, H)

  // Closing with leases out.
  let closed = 0
  const closing = pool.close().then(() => { closed++ })
  expectCode('RIOPOOL_CLOSED', () => pool.lease(64))
  expectCode('RIOPOOL_CLOSED', () => H.tryLease(64))
  for (const held of [...live]) {
    operations++
    held.lease?.retain()
    if (held.lease) held.lease.release()
    H.release(held.handle, held.refs)
    drop(held)
    await nextTurn()
    if (live.length > 0 && closed !== 0) fail('close() resolved with leases still out')
  }
  await closing
  await nextTurn()
  if (closed !== 1) fail(`close() settled ${closed} times`)
  if (registrar.live.size !== 0 || registrar.registered !== registrar.deregistered) fail('registrations left after close')
  if (pool.stats().arenas !== 0) fail('arenas left after close')
}

/** No overlap, nothing outside its arena, and the two faces agree. */
function checkPlacement(live: readonly Held[], H: BufferPool['handles']): void {
  const placed = live.map(h => ({ arena: H.arena(h.handle), start: H.offset(h.handle), end: H.offset(h.handle) + H.capacity(h.handle), h }))
  for (const p of placed) {
    if (p.end > p.arena.size) throw new Error('a lease crosses its arena')
    if (H.capacity(p.h.handle) !== capacityOf(p.h.size)) throw new Error(`capacity ${H.capacity(p.h.handle)} for ${p.h.size} bytes`)
    if (H.length(p.h.handle) !== p.h.size || H.refCount(p.h.handle) !== p.h.refs) throw new Error('handle state')
    if (p.h.lease && (p.h.lease.refCount !== p.h.refs || p.h.lease.offset !== p.start)) throw new Error('faces disagree')
  }
  placed.sort((a, b) => (a.arena === b.arena ? a.start - b.start : a.arena.address < b.arena.address ? -1 : 1))
  for (let k = 1; k < placed.length; k++) {
    if (placed[k]!.arena === placed[k - 1]!.arena && placed[k]!.start < placed[k - 1]!.end) throw new Error('overlap')
  }
}

test(`random sequences of ${MIN_OPERATIONS.toLocaleString('en')}+ operations over growth, trim, waits, aborts and close agree with a model`, async t => {
  operations = 0
  await fc.assert(fc.asyncProperty(configArb, fc.array(opArb, LENGTH), runSequence), { numRuns: RUNS })
  t.log(`operations run: ${operations}`, seen)
  t.true(operations >= MIN_OPERATIONS, `only ${operations} operations ran`)
  for (const [what, count] of Object.entries(seen)) t.true(count > 0, `the runs never met ${what}`)
})
