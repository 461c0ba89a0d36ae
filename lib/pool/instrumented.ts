// Both faces with the pool's checking options: leak tracking, poison and
// zero. BufferPool makes these only when one of those options is on, so a
// default pool's lease() and release() run the plain code and pay nothing.
// Lease.release and BufferPool.lease call the plain handle-face bodies
// directly (one try/catch per call), so the instrumented pool uses its own
// lease methods (see pool.ts) and InstrumentedLease, which go through the
// methods below.
//
// What is filled, and why that much:
// - poison: the whole slot (capacity) on the last release, with POISON_BYTE,
//   so any stale view or address into it reads garbage at once;
// - zero 'on-release': the released lease's `length` bytes, all its owner
//   could write through the pool; 'on-lease': the new lease's `length`
//   bytes, all its owner can read. Fresh arena memory is zero from the OS.
import type { Allocator } from '../allocator/allocator.js'
import { currentMemory } from '../arenas/arena-set.js'
import { invalidThis } from '../errors.js'
import { HANDLES_CONSTRUCT_TOKEN, Handles, isHandles, type HandleHost } from './handles.js'
import type { LeakTracker } from './leak-tracker.js'
import { Lease, receiverError, released } from './lease.js'

export type ZeroMode = 'never' | 'on-release' | 'on-lease'

/** What poison: true writes over a released slot (jemalloc's junk byte for freed memory). */
export const POISON_BYTE = 0x5a

const NO_FILL = -1

export interface Instruments {
  readonly tracker: LeakTracker | null
  readonly poison: boolean
  readonly zero: ZeroMode
}

/** For BufferPool only. */
export function makeInstrumentedHandles(allocator: Allocator, host: HandleHost, instruments: Instruments): InstrumentedHandles {
  return new InstrumentedHandles(allocator, host, instruments, HANDLES_CONSTRUCT_TOKEN)
}

export class InstrumentedHandles extends Handles {
  /** @internal */
  declare readonly tracker: LeakTracker | null
  /** @internal The byte a freed slot is filled with, or NO_FILL. */
  declare readonly releaseFill: number
  /** @internal Fill the whole capacity on release (poison), not just the length. */
  declare readonly releaseFillsCapacity: boolean
  /** @internal */
  declare readonly zeroOnLease: boolean

  /** @internal Made by BufferPool (Handles refuses any other token). */
  constructor(allocator: Allocator, host: HandleHost, instruments: Instruments, token?: symbol) {
    super(allocator, host, token)
    const { tracker, poison, zero } = instruments
    this.tracker = tracker
    this.releaseFill = poison ? POISON_BYTE : zero === 'on-release' ? 0 : NO_FILL
    this.releaseFillsCapacity = poison
    this.zeroOnLease = zero === 'on-lease'
  }

  // A receiver that is not one is refused before anything is leased: a
  // plain Handles would lease, uninstrumented, through these.
  override lease(size: number): number {
    checkReceiver(this)
    return leased(this, super.lease(size), size)
  }

  override tryLease(size: number): number {
    checkReceiver(this)
    const h = super.tryLease(size)
    return h < 0 ? h : leased(this, h, size)
  }

  override release(h: number, n = 1): boolean {
    checkReceiver(this)
    // A proxy of a pool's handles passes the check above, and super.release
    // then refuses it: it must not fill first.
    if (this.releaseFill !== NO_FILL && isHandles(this)) fillBeforeFree(this, h, n)
    const freed = super.release(h, n)
    if (freed) this.tracker?.freed(h)
    return freed
  }
}

function checkReceiver(receiver: unknown): void {
  let ours = false
  try {
    ours = receiver instanceof InstrumentedHandles
  } catch {
    // A revoked proxy.
  }
  if (!ours) throw invalidThis('InstrumentedHandles')
}

function leased(handles: InstrumentedHandles, h: number, size: number): number {
  if (handles.zeroOnLease) fillSlot(handles.allocator, h >>> 8, 0, false)
  handles.tracker?.leased(h, size)
  return h
}

/**
 * Filled while still live (its offset and length are still known), and only
 * by the release that will free it: that one cannot then fail.
 */
function fillBeforeFree(handles: InstrumentedHandles, h: number, n: number): void {
  const i = handles.allocator.liveSlot(h)
  if (i >= 0 && handles.allocator.slots[2 * i] === n) fillSlot(handles.allocator, i, handles.releaseFill, handles.releaseFillsCapacity)
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

/** A Lease of an instrumented pool: its release goes through the instrumented handle face. */
export class InstrumentedLease extends Lease {
  override release(n = 1): boolean {
    try {
      // Cheap beside the fills and tracking this face exists for; a plain Lease has its own release.
      if (!(this instanceof InstrumentedLease)) throw invalidThis('InstrumentedLease')
      if (this._buffer === null) throw released()
      const freed = this._handles.release(this.handle, n)
      if (freed) this._buffer = null
      return freed
    } catch (error) {
      throw receiverError(this, error)
    }
  }
}
