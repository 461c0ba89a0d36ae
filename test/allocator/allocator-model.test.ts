// Property: the allocator alone, over fake arenas (plain memory, no addon),
// agrees with a plain model through long random sequences of leases of every
// size up to a whole arena, retains, releases (one reference, several, all),
// stale handles, trims, and arenas the OS refuses:
// - live leases never overlap, never cross their arena, and keep their bytes;
// - length, capacity and reference counts are what was asked; a handle is
//   live exactly while the model holds it;
// - outstanding(), liveLeases() and the arena bytes are exact;
// - a lease is refused only when no new arena fits within maxBytes, and an
//   arena the OS refused leaves nothing changed;
// - trim closes only arenas holding no lease, and keeps `spare` of them
//   (the fake factory throws on any other close).
// Operations are counted as they run; the test asserts at least 100,000.
import test from 'ava'
import fc from 'fast-check'
import { Allocator } from '../../lib/allocator/allocator.js'
import { MAX_CLASS_SIZE, PAGE_SIZE, SIZE_CLASSES } from '../../lib/allocator/size-classes.js'
import { fakeArenas, type FakeArena, type FakeArenas } from '../support/fake-arenas.js'

const KiB = 1024
const MIN_OPERATIONS = 100_000
const RUNS = 80
const LENGTH = { minLength: 1200, maxLength: 1600 }

type Op =
  | { kind: 'lease'; size: number }
  | { kind: 'retain'; pick: number; n: number }
  | { kind: 'release'; pick: number; n: number }
  | { kind: 'stale'; pick: number }
  | { kind: 'trim'; spare: number }
  | { kind: 'refuse' }

interface Config { arenaSize: number; arenas: number }

const configArb: fc.Arbitrary<Config> = fc.record({
  arenaSize: fc.constantFrom(64 * KiB, 128 * KiB, 256 * KiB),
  arenas: fc.integer({ min: 1, max: 4 }),
})

const sizeArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 2048 }) },
  { weight: 2, arbitrary: fc.constantFrom(1, 16, 17, 1500, 4096, 4097, MAX_CLASS_SIZE, MAX_CLASS_SIZE + 1) },
  { weight: 2, arbitrary: fc.integer({ min: 2049, max: MAX_CLASS_SIZE }) },
  { weight: 1, arbitrary: fc.double({ min: 0.26, max: 1, noNaN: true }).map(f => -f) }, // page runs, up to the whole arena
)

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('lease' as const), size: sizeArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retain' as const), pick: fc.nat(), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), n: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stale' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('trim' as const), spare: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'refuse' as const }) },
)

function capacityFor(size: number): number {
  const sizeClass = SIZE_CLASSES.find(c => c.size >= size)
  return sizeClass ? sizeClass.size : Math.ceil(size / PAGE_SIZE) * PAGE_SIZE
}

interface Held { handle: number; size: number; refs: number; arena: FakeArena; offset: number; capacity: number; tag: number }

let operations = 0
// What the runs met, so a weak generator shows: each must be non-zero.
const seen = { refusals: 0, osRefusals: 0, hugeLeases: 0, wholeArenaLeases: 0, closes: 0, partialReleases: 0, staleUses: 0 }

function runSequence(config: Config, ops: readonly Op[]): void {
  const { arenaSize } = config
  const maxBytes = config.arenas * arenaSize
  const arenas: FakeArenas = fakeArenas()
  const allocator = new Allocator({ arenaSize, maxBytes, arenas, onGrow: () => {} })
  const live: Held[] = []
  const dead: number[] = []
  let tags = 0
  const fail = (message: string): never => { throw new Error(`${message} (after ${operations} operations)`) }

  const bytesOf = (held: Held): Uint8Array => held.arena.buffer.subarray(held.offset, held.offset + held.size)
  const checkTag = (held: Held): void => {
    const bytes = bytesOf(held)
    if (bytes[0] !== held.tag || bytes[held.size - 1] !== held.tag) fail(`lease ${held.handle}'s bytes were overwritten`)
  }
  const lease = (size: number): number => (size <= MAX_CLASS_SIZE ? allocator.leaseClassed(size) : allocator.leaseHuge(size))
  const snapshot = () => JSON.stringify([allocator.outstanding(), allocator.arenas.bytes, allocator.arenas.count, allocator.liveLeases()])

  for (const op of ops) {
    operations++
    if (op.kind === 'lease' || op.kind === 'refuse') {
      // The pool refuses sizes above the arena size before the allocator sees them.
      const size = op.kind === 'refuse' ? 1500 : op.size < 0 ? Math.max(PAGE_SIZE, Math.round(-op.size * arenaSize)) : Math.min(op.size, arenaSize)
      if (op.kind === 'refuse') arenas.failNext = new Error('ENOMEM (fake)')
      const before = snapshot()
      let h: number
      try {
        h = lease(size)
      } catch (error) {
        if ((error as Error).message !== 'ENOMEM (fake)') throw error
        seen.osRefusals++
        if (snapshot() !== before) fail('an arena the OS refused changed the allocator')
        continue
      }
      arenas.failNext = null
      if (h < 0) {
        seen.refusals++
        if (allocator.arenas.bytes + arenaSize <= maxBytes) fail(`refused ${size} bytes with room for another arena`)
        if (snapshot() !== before) fail('a refused lease changed the allocator')
        continue
      }
      const i = allocator.liveSlot(h)
      if (i < 0) fail(`a new handle ${h} is not live`)
      if (live.some(held => held.handle === h)) fail(`handle ${h} issued twice`)
      const record = allocator.arenaRecordOf(i)
      const held: Held = {
        handle: h, size, refs: 1, arena: record.arena, offset: allocator.offsetOf(i), capacity: allocator.capacityOf(i), tag: (++tags & 0xff) || 1,
      }
      if (allocator.lengthOf(i) !== size) fail(`length ${allocator.lengthOf(i)} for a ${size}-byte lease`)
      if (held.capacity !== capacityFor(size)) fail(`capacity ${held.capacity} for ${size} bytes, expected ${capacityFor(size)}`)
      if (held.offset < 0 || held.offset + held.capacity > held.arena.size) fail(`lease at ${held.offset}+${held.capacity} crosses its ${held.arena.size}-byte arena`)
      if (held.arena.closed) fail('a lease in a closed arena')
      for (const other of live) {
        if (other.arena === held.arena && held.offset < other.offset + other.capacity && other.offset < held.offset + held.capacity) {
          fail(`lease ${h} at ${held.offset} overlaps lease ${other.handle} at ${other.offset}`)
        }
      }
      if (size > MAX_CLASS_SIZE) seen.hugeLeases++
      if (held.capacity === arenaSize) seen.wholeArenaLeases++
      bytesOf(held).fill(held.tag)
      live.push(held)
    } else if (op.kind === 'retain' && live.length > 0) {
      const held = live[op.pick % live.length]!
      allocator.slots[2 * allocator.liveSlot(held.handle)] += op.n // what Handles.retain does once it has checked
      held.refs += op.n
    } else if (op.kind === 'release' && live.length > 0) {
      const held = live[op.pick % live.length]!
      const n = Math.min(op.n, held.refs)
      checkTag(held)
      const i = allocator.liveSlot(held.handle)
      const freed = n === 1 && held.refs === 1 ? allocator.releaseOne(held.handle) : allocator.releaseSlot(i, n)
      held.refs -= n
      if (freed !== (held.refs === 0)) fail(`release of ${n} of ${held.refs + n} references said freed = ${freed}`)
      if (held.refs === 0) {
        live.splice(live.indexOf(held), 1)
        dead.push(held.handle)
      } else {
        seen.partialReleases++
        if (allocator.slots[2 * i] !== held.refs) fail('reference count differs from the model')
      }
    } else if (op.kind === 'stale' && dead.length > 0) {
      seen.staleUses++
      const h = dead[op.pick % dead.length]!
      const reissued = live.some(held => held.handle === h)
      if ((allocator.liveSlot(h) >= 0) !== reissued) fail(`stale handle ${h} reads as ${reissued ? 'dead' : 'live'}`)
      if (!reissued && allocator.releaseOne(h)) fail(`releasing stale handle ${h} freed something`)
    } else if (op.kind === 'trim') {
      const closedBefore = arenas.closed
      allocator.trim(op.spare)
      seen.closes += arenas.closed - closedBefore
      const inUse = new Set(live.map(held => held.arena)).size
      if (allocator.arenas.count > inUse + op.spare) fail(`${allocator.arenas.count} arenas after trim(${op.spare}) with ${inUse} in use`)
      for (const held of live) if (held.arena.closed) fail('trim closed an arena holding a lease')
    }

    // After every operation: the figures agree with the model.
    const out = allocator.outstanding()
    const requested = live.reduce((sum, held) => sum + held.size, 0)
    const leased = live.reduce((sum, held) => sum + held.capacity, 0)
    if (out.leases !== live.length || allocator.liveLeases() !== live.length) fail(`${out.leases}/${allocator.liveLeases()} leases counted, ${live.length} live`)
    if (out.requestedBytes !== requested || out.leasedBytes !== leased) fail(`bytes ${out.requestedBytes}/${out.leasedBytes}, model ${requested}/${leased}`)
    if (allocator.arenas.bytes !== arenas.open_.size * arenaSize || allocator.arenas.bytes > maxBytes) fail(`arena bytes ${allocator.arenas.bytes}`)
    if (allocator.leasesByArena().reduce((sum, n) => sum + n, 0) !== live.length) fail('leases by arena do not add up')
  }

  for (const held of live) checkTag(held)
  for (const held of live.splice(0)) allocator.releaseSlot(allocator.liveSlot(held.handle), held.refs)
  allocator.trim(0)
  if (arenas.open_.size !== 0 || allocator.arenas.bytes !== 0) fail('arenas left after every lease was released and the allocator trimmed')
  if (arenas.opened !== arenas.closed) fail(`${arenas.opened} arenas opened, ${arenas.closed} closed`)
}

test('random sequences of 100,000+ operations over fake arenas agree with a model: no overlap, exact figures, trims close only empty arenas', t => {
  fc.assert(fc.property(configArb, fc.array(opArb, LENGTH), runSequence), { numRuns: RUNS })
  t.log(`operations run: ${operations}`, seen)
  t.true(operations >= MIN_OPERATIONS, `${operations} operations`)
  for (const [what, count] of Object.entries(seen)) t.true(count > 0, `the generator never produced ${what}`)
})
