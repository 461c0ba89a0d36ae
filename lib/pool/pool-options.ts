// BufferPool's options, read once and checked together: what the constructor
// gets is a complete record of plain values, defaults filled in.
import { oneOf, optionalBoolean, optionsObject, wholeNumber } from '../arguments.js'
import { arenaSize, registrationOption, type RegistrationOption } from '../arenas/arena.js'
import { invalidArgType, invalidArgValue, outOfRange } from '../errors.js'
import type { ZeroMode } from './instruments.js'
import { DEFAULT_SAMPLE_RATE, type LeakDetection, type LeakReport } from './leak-tracker.js'
import { MAX_CLASS_SIZE } from '../allocator/size-classes.js'

export interface BufferPoolOptions {
  /** Bytes per arena, rounded as Arena rounds them; at least 64 KiB. Default 4 MiB. */
  arenaSize?: number
  /** Growth budget: arena bytes across all arenas. Default 1 GiB; at most 32 GiB. */
  maxBytes?: number
  /** Empty arenas kept registered for reuse. Default 1. */
  spareArenas?: number
  registration?: RegistrationOption
  lock?: boolean
  largePages?: boolean
  /** Bound on pending acquire() calls. Default unbounded. */
  maxWaiters?: number
  /**
   * Report Lease objects garbage-collected before their final release:
   * 'off' (the default, free), 'sample' (about sampleRate of leases) or 'all'
   * (every lease, with its allocation stack; for tests and debugging). Only
   * Lease objects can be watched; handles are numbers (see outstanding()).
   */
  leakDetection?: LeakDetection
  /** The share of leases 'sample' tracks, in (0, 1]. Default 1/128. */
  sampleRate?: number
  /** Called with each leak report (as is every pool.on('leak') listener) instead of a RIOPOOL_LEAK warning. */
  onLeak?: (report: LeakReport) => void
  /** Fill each released slot with 0x5a, so a stale view reads garbage at once. Default false. */
  poison?: boolean
  /** Zero a lease's bytes when it is released ('on-release') or made ('on-lease'). Default 'never'. */
  zero?: ZeroMode
}

/** The options as the pool uses them. */
export interface PoolSettings {
  readonly arenaSize: number
  readonly maxBytes: number
  readonly spareArenas: number
  readonly maxWaiters: number
  readonly registration: RegistrationOption
  readonly lock: boolean
  readonly largePages: boolean
  readonly leakDetection: LeakDetection
  readonly sampleRate: number
  readonly onLeak: ((report: LeakReport) => void) | undefined
  readonly poison: boolean
  readonly zero: ZeroMode
}

const DEFAULT_ARENA_SIZE = 4 * 1024 * 1024
const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
// The documented bound (32 GiB, less 16 bytes); slot indices (MAX_SLOTS) bound a pool too.
const MAX_MAX_BYTES = (2 ** 31 - 1) * 16

export function poolSettings(options: unknown): PoolSettings {
  const opts = optionsObject<BufferPoolOptions>(options, [
    'arenaSize', 'maxBytes', 'spareArenas', 'registration', 'lock', 'largePages', 'maxWaiters',
    'leakDetection', 'sampleRate', 'onLeak', 'poison', 'zero',
  ])
  const size = arenaSize(opts.arenaSize === undefined ? DEFAULT_ARENA_SIZE : opts.arenaSize, 'options.arenaSize')
  // Every slab (at most MAX_CLASS_SIZE bytes) must fit in one arena.
  if (size < MAX_CLASS_SIZE) throw outOfRange('options.arenaSize', `>= ${MAX_CLASS_SIZE} (the largest slab)`, opts.arenaSize)
  const leakDetection = oneOf<LeakDetection>(opts.leakDetection, 'options.leakDetection', ['off', 'sample', 'all'])
  if (opts.onLeak !== undefined && typeof opts.onLeak !== 'function') throw invalidArgType('options.onLeak', 'of type function', opts.onLeak)
  if (opts.onLeak !== undefined && leakDetection === 'off') {
    throw invalidArgValue('options.onLeak', "given only with leakDetection 'sample' or 'all' (no leak is detected with 'off')", opts.onLeak)
  }
  const poison = optionalBoolean(opts.poison, 'options.poison')
  const zero = oneOf<ZeroMode>(opts.zero, 'options.zero', ['never', 'on-release', 'on-lease'])
  if (poison && zero === 'on-release') {
    throw invalidArgValue('options.zero', "'never' or 'on-lease' with poison: true (both would fill released slots)", zero)
  }
  return {
    arenaSize: size,
    maxBytes: wholeNumber(opts.maxBytes, 'options.maxBytes', size, MAX_MAX_BYTES, Math.max(DEFAULT_MAX_BYTES, size)),
    spareArenas: wholeNumber(opts.spareArenas, 'options.spareArenas', 0, 2 ** 31 - 1, 1),
    maxWaiters: wholeNumber(opts.maxWaiters, 'options.maxWaiters', 0, Infinity, Infinity),
    registration: registrationOption(opts.registration),
    lock: optionalBoolean(opts.lock, 'options.lock'),
    largePages: optionalBoolean(opts.largePages, 'options.largePages'),
    leakDetection,
    sampleRate: sampleRateOption(opts.sampleRate, leakDetection),
    onLeak: opts.onLeak,
    poison,
    zero,
  }
}

function sampleRateOption(value: unknown, leakDetection: LeakDetection): number {
  if (value === undefined) return DEFAULT_SAMPLE_RATE
  if (typeof value !== 'number') throw invalidArgType('options.sampleRate', 'of type number', value)
  if (!(value > 0 && value <= 1)) throw outOfRange('options.sampleRate', '> 0 && <= 1', value)
  if (leakDetection !== 'sample') throw invalidArgValue('options.sampleRate', "given only with leakDetection: 'sample'", value)
  return value
}
