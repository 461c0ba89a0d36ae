// Linux io_uring fixed buffers as a registration target: each arena of a
// pool takes one slot of a ring's fixed-buffer table, so an SQE names a
// lease as { buf_index: lease.bufferId, addr: lease.address, len }.
//
// Invariants (kept by native/core/io_uring_table.cc):
// - A slot holds at most one arena, and an arena one slot: a lease never
//   spans two, and no memory is registered twice (that would pin it twice).
// - A slot is emptied only through deregister(), which a pool calls once
//   the arena's last lease is released; the kernel keeps the pages pinned
//   until requests already naming the slot complete.
// - Every ring the registrar touches is held through its own descriptor, so
//   the ring cannot be swapped under it by a reused fd number. If someone
//   closes that descriptor anyway, the registrar notices (fstat no longer
//   names the ring), never closes the number, refuses to register (EBADF),
//   and counts its slots as emptied so its pools can close.
// - Two registrars of one process never share a slot of a ring: attach()
//   and cloneInto() onto slots another holds are refused
//   (RIOPOOL_SLOTS_TAKEN), in every thread.
import * as fs from 'node:fs'
import type { Registrar } from './arena.js'
import { optionsObject, wholeNumber } from '../arguments.js'
import { PoolError, illegalConstructor, invalidArgType, invalidThis, outOfRange, type SystemErrorInfo } from '../errors.js'
import { ioUringNative, type FixedBufferTableHandle } from './io-uring-native.js'
import { memoryUsage } from './memory-usage.js'

export interface IoUringCreateOptions {
  /** Fixed-buffer slots, one per arena. Default 64; at most 16384. */
  slots?: number
  /** Submission queue entries of the new ring. Default 64; at most 32768. */
  entries?: number
}

export interface IoUringAttachOptions {
  /** The first slot of the ring's table that this registrar may use. Default 0. */
  firstSlot?: number
  /** How many slots from firstSlot it may use. Default 64. */
  slots?: number
  /** Make the ring's (sparse) table, firstSlot + slots long. Default false: the ring has one. */
  createTable?: boolean
}

/** The kernel's limit for one fixed buffer. */
export const IO_URING_MAX_BUFFER = 2 ** 30
const MAX_SLOTS = 16384
const MAX_ENTRIES = 32768
const DEFAULT_SLOTS = 64
const DEFAULT_ENTRIES = 64

type Operation = 'create' | 'attach' | 'register' | 'clone'

// Only create() and attach() pass it: `new IoUringRegistrar` is refused.
const constructing = Symbol('IoUringRegistrar')

/** The registrar's table; throws ERR_INVALID_THIS unless receiver is an IoUringRegistrar. Assigned in its static block. */
let tableOf: (receiver: unknown) => FixedBufferTableHandle

export class IoUringRegistrar implements Registrar {
  /** The first slot this registrar fills. */
  readonly firstSlot: number
  /** How many slots it may fill (one per arena). */
  readonly slots: number
  readonly #table: FixedBufferTableHandle

  private constructor(token: symbol, table: FixedBufferTableHandle, firstSlot: number, slots: number) {
    if (token !== constructing) throw illegalConstructor('IoUringRegistrar')
    this.#table = table
    this.firstSlot = firstSlot
    this.slots = slots
  }

  /** A ring of the package's own, with a sparse table of `slots` slots. Linux 5.19+. */
  static create(options?: IoUringCreateOptions): IoUringRegistrar {
    const opts = optionsObject<IoUringCreateOptions>(options, ['slots', 'entries'])
    const slots = wholeNumber(opts.slots, 'options.slots', 1, MAX_SLOTS, DEFAULT_SLOTS)
    const entries = wholeNumber(opts.entries, 'options.entries', 1, MAX_ENTRIES, DEFAULT_ENTRIES)
    requireIoUring()
    return new IoUringRegistrar(constructing, call('create', () => ioUringNative.create(entries, slots)), 0, slots)
  }

  /**
   * Slots [firstSlot, firstSlot + slots) of a ring another library owns;
   * they are emptied now. The registrar keeps its own descriptor of the
   * ring (reg.fd) until close().
   */
  static attach(ringFd: number, options?: IoUringAttachOptions): IoUringRegistrar {
    const fd = descriptor(ringFd, 'ringFd')
    const opts = optionsObject<IoUringAttachOptions>(options, ['firstSlot', 'slots', 'createTable'])
    const firstSlot = wholeNumber(opts.firstSlot, 'options.firstSlot', 0, MAX_SLOTS - 1, 0)
    const slots = wholeNumber(opts.slots, 'options.slots', 1, MAX_SLOTS - firstSlot, Math.min(DEFAULT_SLOTS, MAX_SLOTS - firstSlot))
    if (opts.createTable !== undefined && typeof opts.createTable !== 'boolean') {
      throw invalidArgType('options.createTable', 'of type boolean', opts.createTable)
    }
    const createTable = opts.createTable ?? false
    requireIoUring()
    const table = call('attach', () => ioUringNative.attach(fd, firstSlot, slots, createTable), { firstSlot, slots })
    return new IoUringRegistrar(constructing, table, firstSlot, slots)
  }

  /** This registrar's descriptor of the ring (for attach(), a duplicate of ringFd); -1 once closed, or once found closed by someone else. Do not close it. */
  get fd(): number {
    return ioUringNative.state(tableOf(this)).fd
  }

  /** Slots holding a registration (arenas registered). */
  get slotsInUse(): number {
    return ioUringNative.state(tableOf(this)).slotsInUse
  }

  /** True once close() has run, or once the registrar found its descriptor closed by someone else. */
  get closed(): boolean {
    return ioUringNative.state(tableOf(this)).fd < 0
  }

  static {
    tableOf = receiver => {
      if (typeof receiver !== 'object' || receiver === null || !(#table in receiver)) throw invalidThis('IoUringRegistrar')
      return receiver.#table
    }
  }

  /** Registers [address, address + length) in a free slot; returns the slot (an SQE's buf_index). */
  register(address: bigint, length: number): bigint {
    const table = tableOf(this)
    if (typeof address !== 'bigint') throw invalidArgType('address', 'of type bigint', address)
    if (address < 0n || address >= 2n ** 64n) throw outOfRange('address', '>= 0n && < 2n ** 64n', `${address}n`)
    if (typeof length !== 'number') throw invalidArgType('length', 'of type number', length)
    if (!Number.isSafeInteger(length) || length < 1 || length > IO_URING_MAX_BUFFER) {
      throw outOfRange('length', `an integer >= 1 && <= ${IO_URING_MAX_BUFFER} (io_uring's limit of 1 GiB per fixed buffer; use arenas of at most 1 GiB)`, length)
    }
    return BigInt(call('register', () => ioUringNative.fill(table, address, length), this))
  }

  /** Empties the slot register() returned. */
  deregister(id: bigint): void {
    const table = tableOf(this)
    if (typeof id !== 'bigint') throw invalidArgType('id', 'of type bigint', id)
    if (id < BigInt(this.firstSlot) || id >= BigInt(this.firstSlot + this.slots)) {
      throw outOfRange('id', `>= ${this.firstSlot}n && < ${this.firstSlot + this.slots}n (this registrar's slots)`, `${id}n`)
    }
    ioUringNative.empty(table, Number(id))
  }

  /**
   * Shares this registrar's slots with another ring (another thread's), so
   * its SQEs can name the same bufferIds without pinning the pages again.
   * Later registrations and deregistrations reach that ring too; the
   * registrar holds a descriptor of it until close(). Linux 6.13+.
   */
  cloneInto(ringFd: number): void {
    const table = tableOf(this)
    const fd = descriptor(ringFd, 'ringFd')
    call('clone', () => ioUringNative.cloneInto(table, fd), this)
  }

  /** Closes the registrar's ring descriptors (the ring itself if it is its own). Idempotent. */
  close(): void {
    const table = tableOf(this)
    const { fd, slotsInUse, lost } = ioUringNative.state(table)
    if (fd < 0 && !lost) return // a lost ring's registrar may still hold clone targets
    if (slotsInUse > 0) {
      throw new PoolError('RIOPOOL_BUSY', `${slotsInUse} arena(s) are still registered with this io_uring registrar; close their pools first`)
    }
    ioUringNative.close(table)
  }
}

/** Throws ENOTSUP, ENOSYS, EPERM, ... (with advice) where io_uring cannot be used. */
function requireIoUring(): void {
  const { available, error } = ioUringNative.probe()
  if (!available) throw explained(error!, 'create', 'io_uring is unavailable')
}

function call<T>(operation: Operation, fn: () => T, slots?: { firstSlot: number; slots: number }): T {
  try {
    return fn()
  } catch (error) {
    const info = error as Partial<SystemErrorInfo> & Error
    if ((error as { slotsTaken?: unknown }).slotsTaken === true) {
      const range = slots && operation === 'attach' ? ` [${slots.firstSlot}, ${slots.firstSlot + slots.slots})` : ''
      throw new PoolError('RIOPOOL_SLOTS_TAKEN', `${info.message}${range}. Two registrars sharing a slot would replace each other's arenas: ` +
        (operation === 'attach'
          ? 'attach with a slot range no other registrar of this ring uses, or close that registrar first'
          : 'clone into a ring none of whose slots in this range another registrar uses (each ring can receive one registrar\'s clone of a range)'))
    }
    if (typeof info.errno !== 'number' || typeof info.syscall !== 'string') throw error
    throw explained(info as SystemErrorInfo & Error, operation, info.message, slots)
  }
}

/** An error in Node's shape whose message says what to do about it. */
function explained(info: SystemErrorInfo, operation: Operation, what: string, slots?: { firstSlot: number; slots: number }): Error & SystemErrorInfo {
  const base = operation === 'register' && info.code === 'EBUSY'
    ? 'Cannot register the arena: no fixed-buffer slot is free (EBUSY)' // the registrar's own count, not a syscall
    : what.includes(' failed with ') ? what : `${what}: ${info.syscall} failed with ${info.code}`
  const hint = advice(info, operation, what, slots)
  const error = new Error(hint ? `${base}. ${hint}` : base)
  return Object.assign(error, { code: info.code, errno: info.errno, syscall: info.syscall })
}

function advice({ code, syscall }: SystemErrorInfo, operation: Operation, what: string, slots?: { firstSlot: number; slots: number }): string {
  const range = slots ? `[${slots.firstSlot}, ${slots.firstSlot + slots.slots})` : ''
  switch (code) {
    case 'ENOMEM':
      return operation === 'register' || operation === 'clone' ? memlockAdvice() : ''
    case 'EPERM':
      return disabledAdvice()
    case 'ENOSYS':
      return 'This kernel has no io_uring (it needs Linux 5.1, and 5.19 for sparse fixed-buffer tables), or a seccomp filter hides it'
    case 'ENOTSUP':
      if (syscall === 'io_uring_setup') return 'io_uring exists on Linux only; pools here run unregistered'
      if (operation === 'attach' || operation === 'clone') return 'ringFd is not an io_uring file descriptor'
      return 'Sparse fixed-buffer tables need Linux 5.19 or later'
    case 'EBADF':
      if (operation === 'register' || what.includes('no longer refers')) return lostAdvice()
      return 'ringFd is not an open file descriptor'
    case 'EBUSY':
      if (operation === 'register') {
        return `All ${slots?.slots} of this registrar's fixed-buffer slots are in use (one per arena): create it with more slots (at most ${MAX_SLOTS}), use larger arenas, or lower the pool's maxBytes`
      }
      return 'The ring already has a fixed-buffer table: attach with createTable: false and a free slot range of that table'
    case 'ENXIO':
      return operation === 'attach'
        ? 'The ring has no fixed-buffer table: attach with createTable: true, or register one on the ring first'
        : 'The ring is gone (closed, or being torn down)'
    case 'EINVAL':
      if (operation === 'attach') return `The slot range ${range} passes the end of the ring's fixed-buffer table`
      if (operation === 'clone') return 'Cloning slot ranges into a ring (IORING_REGISTER_CLONE_BUFFERS with DST_REPLACE) needs Linux 6.13 or later'
      return ''
    case 'EEXIST':
      return 'The ring was made with IORING_SETUP_SINGLE_ISSUER, so only the thread that created it may register buffers on it: ' +
        'attach (or cloneInto) from that thread, or create the ring without IORING_SETUP_SINGLE_ISSUER'
    case 'EFAULT':
      return 'The kernel cannot pin this memory: a fixed buffer must be anonymous or shared memory, not a file mapping'
    default:
      return ''
  }
}

function lostAdvice(): string {
  return "The registrar's descriptor of its ring (reg.fd) was closed by someone else; the package will not close that number again. " +
    'Its slots count as emptied once their arenas are released, so its pools can still close: close them and the registrar, ' +
    'and make a new registrar (do not close reg.fd yourself)'
}

// The kernel's count is per user, not per process (every process of the
// uid, every ring's own memory: 8 KiB for 64 entries), and no file shows it:
// this process's share is what can be reported.
function memlockAdvice(): string {
  const limit = ioUringNative.memlockLimit()
  const now = limit ? `, now ${bytes(limit.soft)} (hard limit ${bytes(limit.hard)})` : ''
  const { pinned, locked } = memoryUsage()
  const used = pinned === null ? '' : ` This process has ${bytes(pinned)} pinned (VmPin) already, and ${bytes(locked ?? 0)} locked by mlock (VmLck).`
  const uid = process.getuid?.()
  return `io_uring pins a fixed buffer's pages and charges them to RLIMIT_MEMLOCK${now}, unless the process has CAP_IPC_LOCK.${used} ` +
    `The kernel counts against that limit every io_uring registration of the user${uid === undefined ? '' : ` (uid ${uid})`} in every process, ` +
    'and each ring\'s own memory (8 KiB for a ring of 64 entries; a ring\'s charge goes a moment after it closes). ' +
    'Raise the limit (ulimit -l in the shell that starts node; LimitMEMLOCK= in a systemd unit; docker run --ulimit memlock=...; ' +
    'memlock in /etc/security/limits.conf), or register fewer bytes (a smaller arenaSize or maxBytes)'
}

function disabledAdvice(): string {
  let setting = ''
  try {
    setting = fs.readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8').trim()
  } catch {
    // Kernels before 6.6 have no such switch.
  }
  if (setting === '2') return 'io_uring is disabled on this system (/proc/sys/kernel/io_uring_disabled is 2)'
  if (setting === '1') {
    return 'io_uring is restricted on this system (/proc/sys/kernel/io_uring_disabled is 1): only members of the group in /proc/sys/kernel/io_uring_group, or CAP_SYS_ADMIN, may create rings'
  }
  return 'io_uring is forbidden to this process, most likely by a seccomp filter (container runtimes\' default profiles block it)'
}

function bytes(n: number): string {
  if (n === Infinity) return 'unlimited'
  return n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`
}

function descriptor(fd: unknown, name: string): number {
  if (typeof fd !== 'number') throw invalidArgType(name, 'of type number', fd)
  return wholeNumber(fd, name, 0, 2 ** 31 - 1, fd)
}
