// The addon, loaded once: a prebuild where one fits, else the local build.
import * as path from 'node:path'
import type { SystemErrorInfo } from '../errors.js'

export type RegistrationKind = 'rio' | 'custom' | 'none'

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
  /** Open arenas over this memory in every thread (0 once closed, or for V8 memory). */
  readonly users: number
  /** How the creator registered the memory, as share() recorded it; null until shared. */
  readonly sharedKind: RegistrationKind | null
  readonly sharedId: bigint | null
  registerRio(): bigint
  /** The token another thread attaches with (`new NativeArena(token)`); records the registration on the first call. */
  share(kind: RegistrationKind, id?: bigint | null): string
  /** At this thread's teardown, an atomic store of value (int32) at byteOffset; close() cancels it. */
  storeOnExit(byteOffset: number, value: number): void
  /**
   * True when no other arena is attached, and then none can attach any more
   * (before a Registrar's deregister); false while one is.
   */
  retire(): boolean
  /** Undoes retire(): the deregister failed and the arena stays open. */
  relist(): void
  /** Drops this arena's use (the process's last deregisters RIO and unlocks), detaches, frees with the last view. */
  close(): void
}

interface Binding {
  NativeArena: {
    new (size: number, lock: boolean, largePages: boolean): NativeArena
    /** Attaches to shared memory; throws an error with code RIOPOOL_CLOSED when it has no users left. */
    new (token: string): NativeArena
  }
  platformInfo(): NativePlatformInfo
  /** Windows only (GetProcessMemoryInfo); null elsewhere. */
  processMemory(): { workingSet: number; commit: number } | null
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load: (dir: string) => unknown = require('node-gyp-build')

export const binding = load(path.join(__dirname, '..', '..', '..')) as Binding
