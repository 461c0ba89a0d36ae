// The addon's io_uring functions (native/binding/io_uring_binding.cc), typed. A
// handle is an opaque tagged object owning one FixedBufferTable.
import { binding } from './native.js'
import type { SystemErrorInfo } from '../errors.js'

/** @internal */
export interface FixedBufferTableHandle {
  readonly __brand: 'FixedBufferTable'
}

/** @internal */
export interface IoUringNative {
  probe(): { available: boolean; error?: SystemErrorInfo }
  create(entries: number, slots: number): FixedBufferTableHandle
  attach(ringFd: number, firstSlot: number, slots: number, createTable: boolean): FixedBufferTableHandle
  fill(handle: FixedBufferTableHandle, address: bigint, length: number): number
  empty(handle: FixedBufferTableHandle, slot: number): void
  cloneInto(handle: FixedBufferTableHandle, ringFd: number): void
  /** lost: the registrar's descriptor was closed by someone else (fd is then -1). */
  state(handle: FixedBufferTableHandle): { fd: number; slotsInUse: number; lost: boolean }
  close(handle: FixedBufferTableHandle): void
  /** RLIMIT_MEMLOCK in bytes (Infinity: unlimited), or null where there is none. */
  memlockLimit(): { soft: number; hard: number } | null
}

/** @internal */
export const ioUringNative = (binding as unknown as { ioUring: IoUringNative }).ioUring
