// An arena: one page-aligned block of OS memory (VirtualAlloc or mmap),
// registered once, seen from JS as one zero-copy Buffer.
//
// Lifetime: users ref() it while they hold any part of it; close() refuses
// while refs > 0, then deregisters, detaches every view and frees, in that
// order. An arena dropped without close() is deregistered by a finalizer and
// its memory freed with its last view: a safety net, not a way to work.
//
// Threads: share() gives a descriptor from which Arena.attach() makes, in
// any thread, an arena over the same memory and registration, with views of
// its own. The memory stays mapped and registered until every thread's arena
// over it is closed or gone (native/core/shared_mapping.h); the creator's
// close() counts the other threads' open arenas among its refs.
import { binding, type NativeArena, type RegistrationKind } from './native.js'
import { platform } from './platform.js'
import { optionalBoolean, optionsObject } from '../arguments.js'
import {
  PoolError,
  illegalConstructor,
  invalidArgType,
  invalidArgValue,
  invalidReturnValue,
  invalidState,
  invalidThis,
  outOfRange,
  systemError,
} from '../errors.js'

/**
 * Registers an arena with something other than RIO (an io_uring ring, a test
 * double). A register() that throws an error with code 'EBUSY' has no room
 * now: a pool then acts as at maxBytes (tryLease() gives null, acquire()
 * waits, lease() throws RIOPOOL_EXHAUSTED with that error as its cause).
 */
export interface Registrar {
  register(address: bigint, length: number): bigint
  deregister(id: bigint): void
}

export type RegistrationOption = 'auto' | 'required' | 'off' | Registrar

export interface ArenaOptions {
  /** 'auto' (default) registers with RIO where it exists; 'required' fails where it does not. */
  registration?: RegistrationOption
  /** mlock / VirtualLock the pages; ignored when RIO registers the arena (it pins them itself). */
  lock?: boolean
  /** Large pages where the OS grants them; `arena.largePages` tells. */
  largePages?: boolean
}

export type { RegistrationKind } from './native.js'

/** What arena.share() gives and Arena.attach() takes: plain data, for postMessage() or workerData. */
export interface ArenaDescriptor {
  readonly type: 'rio-buffer-pool/arena'
  /** Names the memory to the addon while some thread has it open: a capability, not an address. */
  readonly token: string
  readonly size: number
}

const ARENA_DESCRIPTOR = 'rio-buffer-pool/arena'

/** The largest arena: a RIO_BUF offset and RIORegisterBuffer's length are 32-bit. */
export function maxArenaSize(): number {
  return 2 ** 32 - platform().allocationGranularity
}

/** Rounds a requested arena size up to the allocation granularity, validating it. */
export function arenaSize(size: unknown, name = 'size'): number {
  if (typeof size !== 'number') throw invalidArgType(name, 'of type number', size)
  const max = maxArenaSize()
  if (!Number.isSafeInteger(size) || size < 1 || size > max) throw outOfRange(name, `an integer >= 1 && <= ${max}`, size)
  const granularity = platform().allocationGranularity
  return Math.ceil(size / granularity) * granularity
}

function isRegistrar(value: unknown): value is Registrar {
  return typeof value === 'object' && value !== null &&
    typeof (value as Registrar).register === 'function' && typeof (value as Registrar).deregister === 'function'
}

export function registrationOption(value: unknown, name = 'options.registration'): RegistrationOption {
  if (value === undefined) return 'auto'
  if (value === 'auto' || value === 'required' || value === 'off' || isRegistrar(value)) return value
  throw invalidArgValue(name, "'auto', 'required', 'off' or an object with register() and deregister()", value)
}

/** Throws RIOPOOL_RIO_UNAVAILABLE, with the probe's error as cause, where RIO cannot be used. */
export function requireRio(): void {
  const { os, rio } = platform()
  if (rio.available) return
  const cause = rio.error && systemError('Registered I/O is unavailable', rio.error)
  throw new PoolError('RIOPOOL_RIO_UNAVAILABLE',
    `Registered I/O is not available on this ${os} system (needs Windows 8 or later); use registration: 'auto' or 'off' to run unregistered`,
    { cause })
}

interface Registration {
  readonly native: NativeArena
  readonly registrar: Registrar | null
  readonly id: bigint | null
}

// Who gives a registration back: a Registrar's id, this module, before the
// native close(); a RIO id, the native arena alone, inside its close() or
// finalizer (native/binding/native_arena.h), so deregistration has one owner each.
function deregisterCustom({ registrar, id }: Registration): void {
  if (registrar !== null && id !== null) registrar.deregister(id)
}

// Holds the native arena (not the Arena), so a Registrar is called before
// the native finalizer frees the memory. Only custom registrations are
// registered here: the native finalizer deregisters RIO itself. While
// another thread still has the memory open, its I/O may use the
// registration: it is left to the Registrar (its ring's close) instead.
// retire() both checks that no other arena is attached and stops any from
// attaching, atomically, so no thread can attach behind the deregister.
const unclosed = new FinalizationRegistry<Registration>(registration => {
  try {
    if (registration.native.retire()) deregisterCustom(registration)
  } catch {
    // Nobody is left to tell.
  }
})

// A pool adopts the arenas it creates: it counts their leases in its own
// array and alone may close them. Assigned in Arena's static block.
let adoptArena: (arena: Arena, leases: () => number) => void
let closeAdoptedArena: (arena: Arena) => void

/**
 * The arena factory a pool hands its allocator: arenas made with `options`,
 * adopted (their users are the leases `leases()` counts, and only the pool
 * may close them).
 */
export function adoptedArenas(options: ArenaOptions): { open(size: number, leases: () => number): Arena; close(arena: Arena): void } {
  return {
    open(size, leases) {
      const arena = Arena.create(size, options)
      adoptArena(arena, leases)
      return arena
    },
    close: arena => closeAdoptedArena(arena),
  }
}

// %TypedArray%.prototype.byteLength, which no property set on a view shadows.
const byteLengthOf = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype) as object, 'byteLength')!.get!

/**
 * The token of a descriptor from share(), each field read once; null for
 * anything else, an object whose fields cannot be read (a revoked proxy, a
 * throwing getter) included.
 */
function descriptorToken(descriptor: unknown): string | null {
  if (typeof descriptor !== 'object' || descriptor === null) return null
  let type: unknown
  let token: unknown
  try {
    ({ type, token } = descriptor as { type?: unknown; token?: unknown })
  } catch {
    return null
  }
  return type === ARENA_DESCRIPTOR && typeof token === 'string' && /^[0-9a-f]{32}$/.test(token) ? token : null
}

/** Throws ERR_INVALID_THIS unless receiver is an Arena; assigned in Arena's static block. */
let checkArena: (receiver: unknown) => void
// Only Arena.create passes it: `new Arena` is refused.
const constructing = Symbol('Arena')

export class Arena {
  /** Bytes, rounded up to the allocation granularity. */
  readonly size: number
  /** Page-aligned start of the arena. */
  readonly address: bigint
  /** RIO_BUFFERID (or the Registrar's id); null when unregistered. */
  readonly bufferId: bigint | null
  readonly registration: RegistrationKind
  /** Whether the OS gave large pages. */
  readonly largePages: boolean

  #registration: Registration
  // What `registration` said at construction: that public field is
  // writable, and share() must record the registration the arena has.
  #kind: RegistrationKind
  #buffer: Buffer
  #refs = 0
  // Made by Arena.attach(): the memory is another thread's (or another
  // arena's), and its Registrar, if any, is not called from here.
  #attached = false
  #closed = false
  #closing = false
  // An adopting pool derives its leases in the arena on demand (from its
  // slab records), so its hot path counts nothing and never calls ref()/unref().
  #leases: (() => number) | null = null

  static {
    adoptArena = (arena, leases) => {
      arena.#leases = leases
    }
    closeAdoptedArena = arena => {
      arena.#close()
      arena.#leases = null // its id in the pool is someone else's now
    }
    checkArena = receiver => {
      if (typeof receiver !== 'object' || receiver === null || !(#registration in receiver)) throw invalidThis('Arena')
    }
  }

  private constructor(token: symbol, registration: Registration, kind: RegistrationKind, attached = false) {
    if (token !== constructing) throw illegalConstructor('Arena')
    this.#attached = attached
    const { native, id } = registration
    this.#registration = registration
    this.size = native.size
    this.address = native.address
    this.#buffer = Buffer.from(native.arrayBuffer, native.byteOffset, native.size)
    this.bufferId = id
    this.registration = kind
    this.#kind = kind
    this.largePages = native.largePages
    if (registration.registrar !== null) unclosed.register(this, registration, this)
  }

  static create(size: number, options?: ArenaOptions): Arena {
    const bytes = arenaSize(size)
    const opts = optionsObject<ArenaOptions>(options, ['registration', 'lock', 'largePages'])
    const registration = registrationOption(opts.registration)
    const lock = optionalBoolean(opts.lock, 'options.lock')
    const largePages = optionalBoolean(opts.largePages, 'options.largePages')
    if (registration === 'required') requireRio()
    const useRio = registration === 'required' || (registration === 'auto' && platform().rio.available)

    // RIO registration pins the pages itself; locking them again would only
    // spend working-set quota.
    const native = new binding.NativeArena(bytes, lock && !useRio, largePages)
    try {
      if (!native.osMemory && (registration === 'required' || typeof registration === 'object')) {
        throw new PoolError('RIOPOOL_UNREGISTRABLE',
          'This runtime refuses external ArrayBuffers (a V8 sandbox, as in Electron), so the arena is V8-owned memory, ' +
          'which a transfer of its ArrayBuffer could free while registered; use registration: \'auto\' or \'off\'')
      }
      if (useRio && native.osMemory) return new Arena(constructing, { native, registrar: null, id: native.registerRio() }, 'rio')
      if (typeof registration === 'object') {
        const id: unknown = registration.register(native.address, native.size)
        if (typeof id !== 'bigint') {
          try {
            registration.deregister(id as bigint) // best effort: give back what it did register
          } catch {
            // The error below says what went wrong first.
          }
          throw invalidReturnValue('registrar.register', 'a bigint id', id)
        }
        return new Arena(constructing, { native, registrar: registration, id }, 'custom')
      }
      return new Arena(constructing, { native, registrar: null, id: null }, 'none')
    } catch (error) {
      native.close()
      throw error
    }
  }

  /**
   * An arena over the memory a descriptor from share() names, in this
   * thread (any thread of the process), with the same registration id and
   * views of its own. Throws ERR_INVALID_ARG_TYPE for anything else, and
   * RIOPOOL_CLOSED once no thread has the memory open any more.
   */
  static attach(descriptor: ArenaDescriptor): Arena {
    const token = descriptorToken(descriptor)
    if (token === null) throw invalidArgType('descriptor', 'an arena descriptor from arena.share()', descriptor)
    let native: NativeArena
    try {
      native = new binding.NativeArena(token)
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== 'RIOPOOL_CLOSED') throw error
      throw new PoolError('RIOPOOL_CLOSED', 'The shared arena has been closed in every thread; ask its owner for a new one')
    }
    return new Arena(constructing, { native, registrar: null, id: native.sharedId }, native.sharedKind ?? 'none', true)
  }

  /**
   * A descriptor for Arena.attach() in another thread (post it, or pass it
   * in workerData). Until every thread's arena over the memory is closed or
   * gone, the memory stays mapped and registered, and this arena's close()
   * (when this thread made it) throws RIOPOOL_BUSY.
   */
  share(): ArenaDescriptor {
    checkArena(this)
    if (this.#closed) throw new PoolError('RIOPOOL_CLOSED', 'The arena is closed')
    if (this.#leases !== null) throw invalidState('This arena belongs to a BufferPool, which alone hands out its memory')
    const { native, id } = this.#registration
    if (!native.osMemory) {
      throw invalidState('This runtime refuses external ArrayBuffers (a V8 sandbox, as in Electron), so the arena is V8-owned memory, which cannot be shared with other threads')
    }
    // Attached arenas read the id back as 64 bits: one it cannot carry
    // would reach them as another (perhaps another registration's).
    if (id !== null && (id < 0n || id >= 2n ** 64n)) throw outOfRange('bufferId', 'a registration id from 0 to 2^64 - 1 to be shared', id)
    const token = native.share(this.#kind, this.#kind === 'custom' ? id : null)
    return { type: ARENA_DESCRIPTOR, token, size: native.size }
  }

  /**
   * When this thread ends (a worker's exit or terminate(), the main thread's
   * exit), once its JS has stopped, stores `value` (an int32) at `byteOffset`
   * (a multiple of 4) of the memory, as one `Atomics.store`: how other
   * threads sharing it learn, from the memory itself, that this one is gone.
   * JS cannot do that itself, since terminate() may stop it at any statement.
   * The pages stay mapped until the store has run; close() on this arena
   * cancels it. Refused on a pool's arena (its bytes are its leases').
   */
  storeOnExit(byteOffset: number, value: number): void {
    checkArena(this)
    if (this.#closed) throw new PoolError('RIOPOOL_CLOSED', 'The arena is closed')
    if (this.#leases !== null) throw invalidState("This arena belongs to a BufferPool: its bytes are its leases'")
    if (typeof byteOffset !== 'number') throw invalidArgType('byteOffset', 'of type number', byteOffset)
    if (!Number.isSafeInteger(byteOffset) || byteOffset < 0 || byteOffset > this.size - 4 || byteOffset % 4 !== 0) {
      throw outOfRange('byteOffset', `a multiple of 4 from 0 to ${this.size - 4}`, byteOffset)
    }
    if (typeof value !== 'number') throw invalidArgType('value', 'of type number', value)
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
      throw outOfRange('value', 'an integer >= -2147483648 && <= 2147483647', value)
    }
    const { native } = this.#registration
    if (!native.osMemory) throw invalidState('V8-owned memory outlives no thread: it cannot take an exit store')
    native.storeOnExit(byteOffset, value)
  }

  /** Whether Arena.attach() made this arena (over memory another arena shared). */
  get attached(): boolean {
    checkArena(this)
    return this.#attached
  }

  /**
   * The whole arena as one zero-copy Buffer; zero-length once closed. If a
   * transfer (a BYOB read, ArrayBuffer.prototype.transfer()) detached the
   * last one, a new one over the same memory.
   */
  get buffer(): Buffer {
    checkArena(this)
    const view = this.#buffer
    // The view's own byteLength: a user may shadow the property on it.
    if (byteLengthOf.call(view) !== 0 || this.#closed) return view
    const { native } = this.#registration
    return (this.#buffer = Buffer.from(native.arrayBuffer, native.byteOffset, native.size))
  }

  /**
   * Outstanding users: close() waits for these to reach zero. For the arena
   * that shared its memory, other threads' open arenas over it count.
   */
  get refs(): number {
    checkArena(this)
    const otherThreads = this.#attached || this.#closed ? 0 : Math.max(0, this.#registration.native.users - 1)
    return this.#refs + otherThreads + (this.#leases === null ? 0 : this.#leases())
  }

  get closed(): boolean {
    checkArena(this)
    return this.#closed
  }

  ref(): this {
    checkArena(this)
    if (this.#closed) throw new PoolError('RIOPOOL_CLOSED', 'The arena is closed')
    if (this.#leases !== null) throw invalidState('This arena belongs to a BufferPool, which counts its users: retain a lease instead')
    this.#refs++
    return this
  }

  unref(): this {
    checkArena(this)
    if (this.#refs === 0) throw invalidState('arena.unref() called more times than arena.ref()')
    this.#refs--
    return this
  }

  /**
   * Deregisters, detaches every view and frees the memory. Idempotent. Throws
   * RIOPOOL_BUSY while refs > 0. If a Registrar's deregister() throws, the
   * arena stays open and registered, so the call can be retried.
   */
  close(): void {
    checkArena(this)
    if (this.#leases !== null && !this.#closed) {
      throw new PoolError('RIOPOOL_BUSY', 'This arena belongs to a BufferPool: close or trim the pool instead')
    }
    this.#close()
  }

  #close(): void {
    if (this.#closed || this.#closing) return // #closing: a Registrar calling back in
    const refs = this.refs
    if (refs > 0) {
      throw new PoolError('RIOPOOL_BUSY', `The arena still has ${refs} outstanding user(s); release them before close()`)
    }
    const { native, registrar } = this.#registration
    // A Registrar's id is given back before the native close: first no other
    // thread (nor the Registrar itself) may attach any more. An attach that
    // came after the refs above makes this close busy after all.
    const retired = registrar !== null && !this.#attached
    if (retired && !native.retire()) {
      throw new PoolError('RIOPOOL_BUSY', `The arena still has ${Math.max(1, this.refs)} outstanding user(s); release them before close()`)
    }
    this.#closing = true
    try {
      deregisterCustom(this.#registration)
    } catch (error) {
      if (retired) native.relist() // still open: its descriptors attach again
      throw error
    } finally {
      this.#closing = false
    }
    unclosed.unregister(this)
    this.#closed = true
    this.#registration.native.close()
  }
}
