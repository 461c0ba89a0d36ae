// RIO_BUF as Winsock lays it out on 64-bit Windows:
//   { RIO_BUFFERID BufferId (8 bytes); ULONG Offset; ULONG Length }
// little-endian, 16 bytes, four 32-bit words. An unregistered arena writes
// RIO_INVALID_BUFFERID (0xFFFFFFFF), which any RIO call rejects.
//
// A target is a Uint8Array (`at` counts bytes) or a Uint32Array (`at` counts
// words, and a RIO_BUF is four word stores). A Uint32Array holds words in the
// machine's byte order; RIO runs only on little-endian Windows (x64, arm64),
// and io_uring consumers read the words back the same way.
import type { Allocator, ArenaMemory } from '../allocator/allocator.js'
import { invalidArgType, outOfRange } from '../errors.js'

/** A RIO_BUF's size in bytes and in words: a const enum, written into the code as numbers. */
export const enum RioBuf {
  SIZE = 16,
  WORDS = 4,
}

// %TypedArray%.prototype[Symbol.toStringTag]: the array's own kind for a typed
// array, undefined for anything else (a proxy of one included). A brand check
// V8 inlines, where util.types.isUint8Array calls into C++, and instanceof
// asks a proxy's getPrototypeOf trap.
const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag)!.get!

/** 'Uint8Array', 'Uint32Array', ... for a typed array; undefined for anything else. */
export function typedArrayKind(value: unknown): string | undefined {
  return typedArrayTag.call(value) as string | undefined
}

// %TypedArray%.prototype.length: a subclass's own length getter is user code.
const typedArrayLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'length')!.get!

/** The length of a typed array, however its class answers `length`. */
export function lengthOf(array: RioBufTarget): number {
  return typedArrayLength.call(array) as number
}

export type RioBufTarget = Uint8Array | Uint32Array

// Where a byte target's words are made before their bytes are written.
const scratch = new Uint32Array(RioBuf.WORDS)

/** Writes the RIO_BUF of live slot i at element `at` of a checked target. */
export function writeRioBuf(allocator: Allocator<ArenaMemory>, i: number, target: RioBufTarget, words: boolean, at: number): void {
  if (words) {
    allocator.describeSlot(i, target as Uint32Array, at)
  } else {
    allocator.describeSlot(i, scratch, 0)
    writeScratch(target, at)
  }
}

/**
 * If h names a live lease, writes its RIO_BUF as bytes at `at` of a
 * Uint8Array with room there, and returns true; false, writing nothing,
 * otherwise (a huge lease included).
 */
export function writeRioBufBytes(allocator: Allocator<ArenaMemory>, h: number, target: Uint8Array, at: number): boolean {
  if (!allocator.describeLive(h, scratch, 0)) return false
  writeScratch(target, at)
  return true
}

function writeScratch(target: RioBufTarget, at: number): void {
  for (let k = 0; k < RioBuf.WORDS; k++) writeU32(target, at + 4 * k, scratch[k]!)
}

function writeU32(target: RioBufTarget, at: number, value: number): void {
  target[at] = value
  target[at + 1] = value >>> 8
  target[at + 2] = value >>> 16
  target[at + 3] = value >>> 24
}

/**
 * The target to write `count` RIO_BUFs into at `at`, checked before anything
 * is written (a bad call changes nothing): a new Uint8Array when undefined.
 */
export function rioBufTarget(target: unknown, at: unknown, count: number): RioBufTarget {
  if (target === undefined) {
    if (at !== undefined && at !== 0) throw outOfRange('at', '0 when no target is given', at)
    return new Uint8Array(RioBuf.SIZE * count)
  }
  const kind = typedArrayKind(target)
  if (kind !== 'Uint8Array' && kind !== 'Uint32Array') throw invalidArgType('target', 'an instance of Uint8Array or Uint32Array', target)
  const array = target as RioBufTarget
  const length = lengthOf(array)
  const span = (kind === 'Uint8Array' ? RioBuf.SIZE : RioBuf.WORDS) * count
  const unit = kind === 'Uint8Array' ? 'bytes' : 'words'
  if (length < span) throw outOfRange('target.length', `>= ${span} (${count} RIO_BUF of 16 bytes: ${span} ${unit})`, length)
  if (at === undefined) return array
  if (typeof at !== 'number') throw invalidArgType('at', 'of type number', at)
  if (!Number.isInteger(at) || at < 0 || at > length - span) {
    throw outOfRange('at', `an integer >= 0 && <= ${length - span} (${span} ${unit} must fit)`, at)
  }
  return array
}
