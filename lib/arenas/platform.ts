import { binding } from './native.js'
import { ioUringNative } from './io-uring-native.js'
import type { SystemErrorInfo } from '../errors.js'

export interface PlatformInfo {
  /** `process.platform`'s name for the OS the addon was built for. */
  os: string
  pageSize: number
  /** The unit arenas are sized in: 64 KiB on Windows, the page size elsewhere. */
  allocationGranularity: number
  /** Smallest large page, or 0 where the OS offers none to an arena. */
  largePageMinimum: number
  /** Whether Winsock Registered I/O can be used, and if not, why not. */
  rio: { available: boolean; error?: SystemErrorInfo }
  /** Whether io_uring fixed-buffer tables (Linux 5.19+) can be used, and if not, why not. */
  ioUring: { available: boolean; error?: SystemErrorInfo }
}

let cached: PlatformInfo | undefined

// Out of descriptors or memory for a moment: the native probe tries again
// next time, and so does this cache.
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'EAGAIN', 'EINTR'])

/**
 * What this machine offers an arena. Probed once per process (io_uring
 * again after a transient failure such as EMFILE); each call returns a
 * fresh copy.
 */
export function platform(): PlatformInfo {
  cached ??= { ...binding.platformInfo(), ioUring: ioUringNative.probe() }
  if (!cached.ioUring.available && TRANSIENT.has(cached.ioUring.error?.code ?? '')) cached.ioUring = ioUringNative.probe()
  return { ...cached, rio: copyCapability(cached.rio), ioUring: copyCapability(cached.ioUring) }
}

function copyCapability(target: PlatformInfo['rio']): PlatformInfo['rio'] {
  return target.error ? { available: target.available, error: { ...target.error } } : { available: target.available }
}
