// The test-only io_uring submitter (test/native/io_uring_ring_binding.cc),
// loaded where it was built, and what tests and their child processes share.
// No ava here: child-process programs and workers import it too.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { platform, type Lease } from '../../lib/index.js'

export interface Sqe {
  opcode: 'READ_FIXED' | 'WRITE_FIXED' | 'SEND_ZC'
  fd: number
  addr: bigint
  len: number
  bufIndex: bigint
  offset?: number
  userData: number
}

export interface Cqe {
  userData: number
  res: number
  flags: number
}

export interface TestRing {
  readonly fd: number
}

export interface IoUringHelper {
  openRing(fd: number): TestRing
  /** flags: IORING_SETUP_* (default 0). */
  createRing(entries: number, flags?: number): TestRing
  /** Returns the SQEs as they sit in the submission queue. */
  submit(ring: TestRing, sqes: Sqe[]): Array<{ bufIndex: bigint; addr: bigint; len: number }>
  /** CQEs: at least min, unless timeoutMs passed first. */
  reap(ring: TestRing, min: number, timeoutMs: number): Cqe[]
  closeRing(ring: TestRing): void
  tcpConnect(port: number): number
  closeFd(fd: number): void
  /** Lowers RLIMIT_MEMLOCK and drops CAP_IPC_LOCK; true when it is gone. */
  restrictMemlock(bytes: number): boolean
}

export const IORING_SETUP_SINGLE_ISSUER = 1 << 12
export const IORING_CQE_F_MORE = 1 << 1
export const IORING_CQE_F_NOTIF = 1 << 3

const helperFile = path.join(__dirname, '..', '..', '..', 'test', 'native', 'build', 'Release', 'io_uring_ring.node')
// Linux only: under Wine the tree may hold the Linux build. A helper that is
// there but does not load on Linux is a broken build: let it throw.
export const helper = process.platform === 'linux' && fs.existsSync(helperFile)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ? (require(helperFile) as IoUringHelper)
  : undefined

const { ioUring } = platform()
export const unavailable: string | null = !ioUring.available
  ? `needs io_uring with sparse fixed-buffer tables (Linux 5.19+); here: ${ioUring.error!.code} from ${ioUring.error!.syscall}`
  : helper === undefined ? 'needs the test/native io_uring helper, which npm test builds on Linux' : null

const [major = 0, minor = 0] = os.release().split('.').map(Number)
/** Null where reg.cloneInto() can work (slot ranges and DST_REPLACE: Linux 6.13+), else why not. */
export const noClone: string | null = process.platform === 'linux' && (major > 6 || (major === 6 && minor >= 13))
  ? null
  : `needs Linux 6.13+ to clone slot ranges; here: ${process.platform} ${os.release()}`

/** An SQE naming the lease's fixed buffer the way native code would. */
export function fixed(opcode: Sqe['opcode'], fd: number, lease: Lease, userData: number, offset = 0): Sqe {
  return { opcode, fd, addr: lease.address, len: lease.length, bufIndex: lease.bufferId!, offset, userData }
}

/** Bytes no zero-filled or stale buffer would hold by chance. */
export function fillPattern(buffer: Buffer, seed: number): void {
  for (let i = 0; i < buffer.length; i++) buffer[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff
}

/** VmPin of this process, in bytes. */
export function pinnedBytes(): number {
  const kB = /VmPin:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))
  return kB ? Number(kB[1]) * 1024 : NaN
}
