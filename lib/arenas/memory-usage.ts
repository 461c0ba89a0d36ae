// What the OS says this process holds, for measuring footprint: resident,
// locked and pinned bytes. Linux reads /proc/self/status (VmRSS, VmLck,
// VmPin: pages that mlock and io_uring registration hold); Windows asks
// GetProcessMemoryInfo (working set, and commit as PagefileUsage); elsewhere
// only Node's own RSS is known, as on a Linux without /proc.
import * as fs from 'node:fs'
import { binding } from './native.js'

export interface MemoryUsage {
  /** Resident bytes (VmRSS; the working set on Windows). */
  rss: number
  /** Bytes locked by mlock (VmLck); null where the OS does not tell. */
  locked: number | null
  /** Bytes pinned by the kernel for I/O, as io_uring registration does (VmPin); null where the OS does not tell. */
  pinned: number | null
  /** Private committed bytes (Windows PagefileUsage); null elsewhere. */
  committed: number | null
}

function statusKiB(status: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  return match ? Number(match[1]) * 1024 : null
}

/** /proc/self/status, or null where /proc is not mounted (a chroot, a minimal container). */
function procStatus(): string | null {
  try {
    return fs.readFileSync('/proc/self/status', 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

export function memoryUsage(): MemoryUsage {
  if (process.platform === 'linux') {
    const status = procStatus()
    if (status === null) return { rss: process.memoryUsage.rss(), locked: null, pinned: null, committed: null }
    return {
      rss: statusKiB(status, 'VmRSS') ?? process.memoryUsage.rss(),
      locked: statusKiB(status, 'VmLck'),
      pinned: statusKiB(status, 'VmPin'),
      committed: null,
    }
  }
  const windows = binding.processMemory()
  if (windows) return { rss: windows.workingSet, locked: null, pinned: null, committed: windows.commit }
  return { rss: process.memoryUsage.rss(), locked: null, pinned: null, committed: null }
}
