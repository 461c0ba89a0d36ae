// A pool's checking options: leak tracking, poison and zero. A pool with any
// of them on gives its Handles an Instruments, which sets the Handles' slow
// flags, so every lease and release of that pool, by whatever route, takes the
// out-of-line path that calls these. A default pool has none: its lease() and
// release() run the plain code and pay nothing.
//
// What is filled, and why that much:
// - poison: the whole slot (capacity) on the last release, with POISON_BYTE,
//   so any stale view or address into it reads garbage at once;
// - zero 'on-release': the released lease's `length` bytes, all its owner
//   could write through the pool; 'on-lease': the new lease's `length`
//   bytes, all its owner can read. Fresh arena memory is zero from the OS.
import type { Allocator } from '../allocator/allocator.js'
// From its own module: a re-export compiles to a getter, a call on every use.
import { currentMemory } from '../allocator/arena-set.js'
import { slotOf } from '../allocator/layout.js'
import type { LeakTracker } from './leak-tracker.js'
import type { Lease } from './lease.js'

export type ZeroMode = 'never' | 'on-release' | 'on-lease'

/** What poison: true writes over a released slot (jemalloc's junk byte for freed memory). */
export const POISON_BYTE = 0x5a

const NO_FILL = -1

export class Instruments {
  readonly tracker: LeakTracker | null
  // The byte a freed slot is filled with, or NO_FILL.
  readonly #releaseFill: number
  // Fill the whole capacity on release (poison), not just the length.
  readonly #releaseFillsCapacity: boolean
  readonly #zeroOnLease: boolean

  constructor(tracker: LeakTracker | null, poison: boolean, zero: ZeroMode) {
    this.tracker = tracker
    this.#releaseFill = poison ? POISON_BYTE : zero === 'on-release' ? 0 : NO_FILL
    this.#releaseFillsCapacity = poison
    this.#zeroOnLease = zero === 'on-lease'
  }

  /** A lease was made, through either face. */
  leased(allocator: Allocator, h: number, size: number): void {
    if (this.#zeroOnLease) fillSlot(allocator, slotOf(h), 0, false)
    this.tracker?.leased(h, size)
  }

  /** A Lease object was made over the handle leased() saw last. */
  watch(lease: Lease): Lease {
    return this.tracker === null ? lease : this.tracker.watch(lease)
  }

  /** Live slot i is about to be freed. */
  beforeFree(allocator: Allocator, i: number): void {
    if (this.#releaseFill !== NO_FILL) fillSlot(allocator, i, this.#releaseFill, this.#releaseFillsCapacity)
  }

  /** Handle h was freed (its last reference gone), through either face. */
  freed(h: number): void {
    this.tracker?.freed(h)
  }
}

// One Uint8Array over each arena's memory, so a fill allocates nothing.
const arenaBytes = new WeakMap<ArrayBuffer, Uint8Array>()

/** Fills live slot i's length (or capacity) bytes with `byte`. */
function fillSlot(allocator: Allocator, i: number, byte: number, wholeCapacity: boolean): void {
  const record = allocator.arenaRecordOf(i)
  const memory = currentMemory(record)
  let bytes = arenaBytes.get(memory)
  if (bytes === undefined) arenaBytes.set(memory, bytes = new Uint8Array(memory))
  const start = record.memoryOffset + allocator.offsetOf(i)
  bytes.fill(byte, start, start + (wholeCapacity ? allocator.capacityOf(i) : allocator.lengthOf(i)))
}
