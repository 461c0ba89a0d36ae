// The live sets the loops run over: which sizes, how many held, which victim
// goes. Each group gets its own pool per face, so faces never share a cache.
import type { MemPool } from '@thi.ng/malloc' with { 'resolution-mode': 'import' }
import { BufferPool, type BufferPoolOptions } from '../lib/index.js'
import type { Case } from './harness.js'
import { compileLoop, type Face, type Ring } from './loops.js'

export type { Face }

export const KiB = 1024
export const MiB = 1024 * 1024
/** The simple IMIX packet mix: 40, 576 and 1500 bytes, 7 : 4 : 1. */
export const IMIX = [40, 40, 40, 40, 40, 40, 40, 576, 576, 576, 576, 1500]

export const ALL_FACES: readonly Face[] = ['floor', 'handles', 'lease', 'leaseTouch', 'rioBuf', 'allocUnsafe', 'thing']

export interface GroupSpec {
  /** Short name: the size, or the mix. */
  readonly name: string
  readonly live: number
  readonly randomVictims: boolean
  /** The size of each step, cycled; length a power of two. */
  readonly sizes: Int32Array
  readonly faces: readonly Face[]
  /** Bytes per arena for the pools of this group. */
  readonly arenaSize: number
  /** More options for its pools (the checking options' costs). */
  readonly poolOptions?: BufferPoolOptions
}

const SIZE_TABLE = 4096 // sizes cycled; a power of two

/** Park-Miller: a fixed, seedable sequence, so every run leases the same sizes. */
export function seeded(seed: number): () => number {
  let s = seed
  return () => (s = (s * 48271) % 0x7fffffff)
}

export function fixedSizes(size: number): Int32Array {
  return new Int32Array(SIZE_TABLE).fill(size)
}

export function imixSizes(): Int32Array {
  const next = seeded(12345)
  return Int32Array.from({ length: SIZE_TABLE }, () => IMIX[next() % IMIX.length]!)
}

/** 64 B to 64 KiB, each doubling equally likely (uniform in log2 of the size). */
export function randomSizes(): Int32Array {
  const next = seeded(777)
  return Int32Array.from({ length: SIZE_TABLE }, () => Math.round(64 * 2 ** (10 * (next() / 0x7fffffff))))
}

/**
 * The victim of each step. Random victims come from a table at least 4x the
 * live set (so a 1 M ring touches every entry, as a real random choice would).
 */
function victims(live: number, random: boolean): Int32Array {
  if ((live & (live - 1)) !== 0) throw new Error('live must be a power of two')
  if (!random) return new Int32Array(1) // unused: the loop takes k & mask
  const next = seeded(4242)
  return Int32Array.from({ length: Math.max(SIZE_TABLE, 4 * live) }, () => next() & (live - 1))
}

/** @thi.ng/malloc is an ES module: loaded once with import() by the measuring functions. */
export async function loadMemPool(): Promise<typeof MemPool> {
  return (await import('@thi.ng/malloc')).MemPool
}

export function ring<T>(spec: GroupSpec, fill: (size: number) => T): Ring<T> {
  const items: T[] = []
  for (let k = 0; k < spec.live; k++) items.push(fill(spec.sizes[k % spec.sizes.length]!))
  return { items, order: victims(spec.live, spec.randomVictims), sizes: spec.sizes, size: spec.sizes[0]!, k: 0 }
}

function largest(spec: GroupSpec): number {
  return spec.sizes.reduce((m, s) => Math.max(m, s), 0)
}

export function newPool(spec: GroupSpec): BufferPool {
  const need = spec.live * Math.ceil(largest(spec) * 1.25) + 64 * MiB
  return new BufferPool({ arenaSize: spec.arenaSize, maxBytes: Math.max(need, spec.arenaSize) * 2, registration: 'off', ...spec.poolOptions })
}

/** The group's cases, named `${group}/${face}`, each with its live set already held. */
export function groupCases(spec: GroupSpec, Mem: typeof MemPool): Case[] {
  const shape = { randomVictims: spec.randomVictims, mixedSizes: spec.sizes.some(s => s !== spec.sizes[0]) }
  return spec.faces.map(face => {
    const loop = compileLoop(face, shape)
    const { target, ring: r, check } = setUp(face, spec, Mem)
    return { name: `${spec.name}/${face}`, run: (ops: number) => { r.k = loop(target, r, ops) & 0xffffff }, check }
  })
}

function setUp(face: Face, spec: GroupSpec, Mem: typeof MemPool): { target: unknown; ring: Ring<unknown>; check?: () => void } {
  switch (face) {
    case 'floor': {
      const r = ring(spec, () => 0)
      r.items.forEach((_, k) => { r.items[k] = k })
      const stack = new Int32Array(spec.live + 1)
      stack[0] = spec.live
      return { target: { stack, top: 1 }, ring: r }
    }
    case 'handles': {
      const pool = newPool(spec)
      return { target: pool, ring: ring(spec, size => pool.handles.lease(size)) }
    }
    case 'lease':
    case 'leaseTouch': {
      const pool = newPool(spec)
      return { target: pool, ring: ring(spec, size => pool.lease(size)) }
    }
    case 'rioBuf': {
      const pool = newPool(spec)
      return { target: { pool, array: new Uint8Array(64 * 16) }, ring: ring(spec, size => pool.handles.lease(size)) }
    }
    case 'allocUnsafe':
      return { target: Buffer, ring: ring(spec, size => Buffer.allocUnsafe(size)) }
    case 'thing': {
      // Room for the live set with slack for fragmentation; malloc returns 0 when full.
      const mem = new Mem({ size: spec.live * Math.ceil(largest(spec) * 1.5) + 16 * MiB })
      const r = ring(spec, size => mem.malloc(size))
      return { target: mem, ring: r, check: () => { if (r.items.includes(0)) throw new Error(`@thi.ng/malloc ran out of room in ${spec.name}`) } }
    }
  }
}
