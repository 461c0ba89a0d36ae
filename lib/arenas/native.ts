// The addon, loaded once: a prebuild where one fits, else the local build.
import * as path from 'node:path'
import type { SystemErrorInfo } from '../errors.js'

export interface NativePlatformInfo {
  os: string
  pageSize: number
  allocationGranularity: number
  largePageMinimum: number
  rio: { available: boolean; error?: SystemErrorInfo }
}

/** OS memory behind one ArrayBuffer; see native/binding/native_arena.h. */
export interface NativeArena {
  /** The current ArrayBuffer over the arena: a new one after someone else detached the last. */
  readonly arrayBuffer: ArrayBuffer
  readonly byteOffset: number
  readonly address: bigint
  readonly size: number
  readonly largePages: boolean
  /** False when the memory is V8's (a runtime that refuses external buffers): never registered. */
  readonly osMemory: boolean
  registerRio(): bigint
  /** Deregisters RIO (the only way it is ever deregistered), unlocks, detaches, frees. */
  close(): void
}

interface Binding {
  NativeArena: new (size: number, lock: boolean, largePages: boolean) => NativeArena
  platformInfo(): NativePlatformInfo
  /** Windows only (GetProcessMemoryInfo); null elsewhere. */
  processMemory(): { workingSet: number; commit: number } | null
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load: (dir: string) => unknown = require('node-gyp-build')

export const binding = load(path.join(__dirname, '..', '..', '..')) as Binding
