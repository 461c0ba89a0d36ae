// Handles with the pool's checking options: leak tracking, poison and zero.
// BufferPool makes these only when one of those options is on, so a default
// pool's lease() and release() run the plain Handles code and pay nothing.
//
// What is filled, and why that much:
// - poison: the whole slot (capacity) on the last release, with POISON_BYTE,
//   so any stale view or address into it reads garbage at once;
// - zero 'on-release': the released lease's `length` bytes, all its owner
//   could write through the pool; 'on-lease': the new lease's `length`
//   bytes, all its owner can read. Fresh arena memory is zero from the OS.
import type { Allocator } from './allocator.js'
import { currentMemory } from './arena-set.js'
import { Handles, type HandleHost } from './handles.js'
import type { LeakTracker } from './leak-tracker.js'

export type ZeroMode = 'never' | 'on-release' | 'on-lease'

/** What poison: true writes over a released slot (jemalloc's junk byte for freed memory). */
export const POISON_BYTE = 0x5a

const NO_FILL = -1

export interface Instruments {
  readonly tracker: LeakTracker | null
  readonly poison: boolean
  readonly zero: ZeroMode
}

export class InstrumentedHandles extends Handles {
  /** @internal */
  readonly tracker: LeakTracker | null
  /** @internal The byte a freed slot is filled with, or NO_FILL. */
  readonly releaseFill: number
  /** @internal Fill the whole capacity on release (poison), not just the length. */
  readonly releaseFillsCapacity: boolean
  /** @internal */
  readonly zeroOnLease: boolean

  /** @internal Made by BufferPool. */
  constructor(allocator: Allocator, host: HandleHost, { tracker, poison, zero }: Instruments) {
    super(allocator, host)
    this.tracker = tracker
    this.releaseFill = poison ? POISON_BYTE : zero === 'on-release' ? 0 : NO_FILL
    this.releaseFillsCapacity = poison
    this.zeroOnLease = zero === 'on-lease'
  }

  // lease() comes here too.
  override tryLease(size: number): number {
    const h = super.tryLease(size)
    if (h >= 0) {
      if (this.zeroOnLease) fillSlot(this.allocator, h >>> 8, 0, false)
      this.tracker?.leased(h, size)
    }
    return h
  }

  override release(h: number, n = 1): boolean {
    if (this.releaseFill !== NO_FILL) {
      // Filled while still live (its offset and length are still known), and
      // only by the release that will free it: that one cannot then fail.
      const i = this.allocator.liveSlot(h)
      if (i >= 0 && this.allocator.slots[2 * i] === n) fillSlot(this.allocator, i, this.releaseFill, this.releaseFillsCapacity)
    }
    const freed = super.release(h, n)
    if (freed) this.tracker?.freed(h)
    return freed
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
