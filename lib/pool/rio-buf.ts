// RIO_BUF as Winsock lays it out on 64-bit Windows:
//   { RIO_BUFFERID BufferId (8 bytes); ULONG Offset; ULONG Length }
// little-endian, 16 bytes. An unregistered arena writes RIO_INVALID_BUFFERID
// (0xFFFFFFFF), which any RIO call rejects.
import { types } from 'node:util'
import { invalidArgType, outOfRange } from '../errors.js'

export const RIO_BUF_SIZE = 16

function writeU32(target: Uint8Array, at: number, value: number): void {
  target[at] = value
  target[at + 1] = value >>> 8
  target[at + 2] = value >>> 16
  target[at + 3] = value >>> 24
}

/** Validates target/at before anything is written, so a bad call changes nothing. */
export function rioBufTarget(target: unknown): Uint8Array {
  if (target === undefined) return new Uint8Array(RIO_BUF_SIZE)
  // A brand check, not instanceof, which a proxy's getPrototypeOf trap could answer (or throw from).
  if (!types.isUint8Array(target)) throw invalidArgType('target', 'an instance of Uint8Array', target)
  if (target.length < RIO_BUF_SIZE) throw outOfRange('target.length', `>= ${RIO_BUF_SIZE} (a RIO_BUF is 16 bytes)`, target.length)
  return target
}

export function rioBufAt(target: Uint8Array, at: unknown): number {
  if (at === undefined) return 0
  if (typeof at !== 'number') throw invalidArgType('at', 'of type number', at)
  if (!Number.isInteger(at) || at < 0 || at > target.length - RIO_BUF_SIZE) {
    throw outOfRange('at', `an integer >= 0 && <= ${target.length - RIO_BUF_SIZE} (16 bytes must fit)`, at)
  }
  return at
}

export function writeRioBuf(target: Uint8Array, at: number, idLow: number, idHigh: number, offset: number, length: number): Uint8Array {
  writeU32(target, at, idLow)
  writeU32(target, at + 4, idHigh)
  writeU32(target, at + 8, offset)
  writeU32(target, at + 12, length)
  return target
}
