// The timed loops. Every case runs one loop, generated from one template, so
// the floor and every pool face share the same shape to the instruction:
//
//   for each step k:
//     v = the victim: k & mask (the oldest), or order[k & orderMask] (random)
//     size = the group's size, or sizes[k & sizeMask] (a mix)
//     new = acquire(size); release(items[v]); items[v] = new
//
// Acquire comes first, so a pool (like the floor, a LIFO free list) hands out
// the slot released one step earlier, as a user in steady state sees. The ring
// holds every result until it is replaced, so nothing can be eliminated. What
// is under test arrives as an argument (`target`). Each case compiles its own
// copy (new Function), so no case shares type feedback or optimised code with
// another, and no callback runs per step.
//
// Why not tables for every case: the floor is about 2 ns, and two extra
// loads per step add about 1 ns to it and to every pair alike, which would
// flatter every ratio. Fixed-size, oldest-first groups use the lean shape; the
// report's self-check times hand-written loops against it.

/** A live set and where its loop stands. The loops advance k. */
export interface Ring<T> {
  readonly items: T[]
  /** Victims in order, cycled (random victims only); length a power of two. */
  readonly order: Int32Array
  /** Sizes in order, cycled (mixes only); length a power of two. */
  readonly sizes: Int32Array
  /** The size of every step when the group has one. */
  readonly size: number
  k: number
}

export interface Shape {
  readonly randomVictims: boolean
  readonly mixedSizes: boolean
}

/** What a face does in one step; `v`, `size`, `items`, `k` and `target` are in scope. */
export interface FaceSource {
  readonly setup?: string
  readonly step: string
  readonly mixedStep?: string
}

export const FACE_SOURCES = {
  // target: { stack: Int32Array, top: number }
  // (A step pops and pushes, so top ends each batch where it started.)
  floor: {
    setup: 'const stack = target.stack; let top = target.top',
    step: 'const slot = stack[--top]; stack[top++] = items[v]; items[v] = slot',
    // With a mix, the floor reads each size too, as the pool faces must (into
    // the unused entry above the top of the stack, so it cannot be dropped).
    mixedStep: 'stack[top] = size',
  },
  // target: BufferPool
  handles: { setup: 'const H = target.handles', step: 'const h = H.lease(size); H.release(items[v]); items[v] = h' },
  lease: { step: 'const lease = target.lease(size); items[v].release(); items[v] = lease' },
  leaseTouch: { step: 'const lease = target.lease(size); lease.buffer[0] = k; items[v].release(); items[v] = lease' },
  // target: { pool: BufferPool, array: Uint8Array } (64 RIO_BUFs)
  rioBuf: {
    setup: 'const H = target.pool.handles; const array = target.array',
    step: 'const h = H.lease(size); H.toRioBuf(h, array, (k & 63) << 4); H.release(items[v]); items[v] = h',
  },
  // target: Buffer (the class)
  allocUnsafe: { step: 'items[v] = target.allocUnsafe(size)' },
  // target: MemPool
  thing: { step: 'const p = target.malloc(size); target.free(items[v]); items[v] = p' },
} satisfies Record<string, FaceSource>

export type Face = keyof typeof FACE_SOURCES

/** Runs ops steps from ring.k and returns where it stopped (the caller stores it). */
export type Loop = (target: unknown, ring: Ring<unknown>, ops: number) => number

// k wraps at 2^24 between batches (in the caller): it stays a small integer
// (`| 0` tells V8 so: as a float it cost the floor 2 ns a step), and every
// table length (a power of two up to 2^22) divides 2^24, so the sequence
// continues. Nothing after the loop computes: code there has no type feedback
// when V8 optimises the loop in flight, and deoptimising on it at the end of
// every batch left each batch starting unoptimised.
// A face is named (the pairs above) or given as its source (benchmarks/paths.ts).
export function compileLoop(face: Face | FaceSource, shape: Shape): Loop {
  const src: FaceSource = typeof face === 'string' ? FACE_SOURCES[face] : face
  const victim = shape.randomVictims ? 'order[k & orderMask]' : 'k & mask'
  const size = shape.mixedSizes ? 'sizes[k & sizeMask]' : 'fixedSize'
  const body = `'use strict'
    const items = ring.items, mask = items.length - 1
    const order = ring.order, orderMask = order.length - 1
    const sizes = ring.sizes, sizeMask = sizes.length - 1, fixedSize = ring.size
    ${src.setup ?? ''}
    let k = ring.k | 0
    for (const end = (k + ops) | 0; k < end; k++) {
      const v = ${victim}
      const size = ${size}
      ${src.step}
      ${shape.mixedSizes ? src.mixedStep ?? '' : ''}
    }
    return k`
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('target', 'ring', 'ops', body) as Loop
}
