// Paths, not only pairs: what a user runs around a lease, each against the
// baseline it must beat, timed in the same rounds of the same process.
//
// Every case is the hot path's loop (benchmarks/loops.ts: one generated
// direct loop per case, a live ring of 1,024 with the oldest replaced, the
// case's pool or baseline passed in as an argument), so a path and its
// baseline differ only in their step. A comparison is one child process: its
// cases are calibrated and timed in interleaved rounds, and each figure is the
// median of per-round ratios of a case over its baseline (p25-p75 the spread).
//
//   rioBuf   the handle pair, and the same with H.toRioBuf(h, target, at) into
//            a preallocated Uint32Array (at in words) or Uint8Array (bytes)
//   lease    a box (the handle pair storing a bare 4-field object, what a
//            Lease is), the Lease pair, and the Lease pair writing
//            lease.buffer[0] (the first touch builds the view)
//   batch    the floor, and H.leaseMany(size, out, 64) then
//            H.releaseMany(previous, 64), timed per item (16 batches live)
//   send     Buffer.allocUnsafe(n) + the payload copied in, against lease,
//            copy into lease.buffer, lease.toRioBuf(words, at), release (and
//            the handle face writing through its arena's Buffer, no view per
//            lease)
//   receive  Buffer.allocUnsafe(n) + four readUInt32LE, against lease,
//            toRioBuf, the same four reads of lease.buffer, release (and the
//            handle face reading through its arena's Buffer)
//
// measurePaths() returns one process's figures, pathFigures() assembles
// them, printPaths() formats them.
import { formatNs, formatRatio, medianNs, ratio, row, timeInterleaved, type Case, type Ratio } from './harness.js'
import { compileLoop, type FaceSource, type Ring } from './loops.js'
import { KiB, MiB, fixedSizes, groupCases, newPool, ring, type GroupSpec } from './workloads.js'

export const PATH_SIZES = [64, 1500, 64 * KiB] as const
const LIVE = 1024
/** Items per batch of the batch case; the ring holds LIVE / BATCH of them. */
const BATCH = 64

const RIO_BUFS = 64 // RIO_BUF slots in the preallocated target, cycled by k

const SOURCES = {
  // target: BufferPool
  handles: { setup: 'const H = target.handles', step: 'const h = H.lease(size); H.release(items[v]); items[v] = h' },
  // target: { pool, words: Uint32Array } / { pool, bytes: Uint8Array }
  rioBufWords: {
    setup: 'const H = target.pool.handles; const words = target.words',
    step: 'const h = H.lease(size); H.toRioBuf(h, words, (k & 63) << 2); H.release(items[v]); items[v] = h',
  },
  rioBufBytes: {
    setup: 'const H = target.pool.handles; const bytes = target.bytes',
    step: 'const h = H.lease(size); H.toRioBuf(h, bytes, (k & 63) << 4); H.release(items[v]); items[v] = h',
  },
  // target: BufferPool. The same four fields, in the order Lease's constructor stores them.
  box: {
    setup: 'const H = target.handles',
    step: 'const h = H.lease(size); H.release(items[v].handle); items[v] = { _handles: H, handle: h, length: size, _buffer: undefined }',
  },
  lease: { step: 'const lease = target.lease(size); items[v].release(); items[v] = lease' },
  leaseTouch: { step: 'const lease = target.lease(size); lease.buffer[0] = k; items[v].release(); items[v] = lease' },
  // target: { pool, words, payload: Buffer of the size } / { Buffer, payload }
  send: {
    setup: 'const P = target.pool; const words = target.words; const payload = target.payload',
    step: 'const lease = P.lease(size); lease.buffer.set(payload); lease.toRioBuf(words, (k & 63) << 2); items[v].release(); items[v] = lease',
  },
  sendHandles: {
    setup: 'const H = target.pool.handles; const words = target.words; const payload = target.payload',
    step: 'const h = H.lease(size); H.arena(h).buffer.set(payload, H.offset(h)); H.toRioBuf(h, words, (k & 63) << 2); H.release(items[v]); items[v] = h',
  },
  sendAllocUnsafe: {
    setup: 'const B = target.Buffer; const payload = target.payload',
    step: 'const b = B.allocUnsafe(size); b.set(payload); items[v] = b',
  },
  // target: { pool, words, sink: Int32Array(4) } / { Buffer, sink }
  receive: {
    setup: 'const P = target.pool; const words = target.words; const sink = target.sink',
    step: 'const lease = P.lease(size); lease.toRioBuf(words, (k & 63) << 2); const b = lease.buffer; ' +
      'sink[k & 3] = b.readUInt32LE(0) ^ b.readUInt32LE(4) ^ b.readUInt32LE(8) ^ b.readUInt32LE(12); items[v].release(); items[v] = lease',
  },
  receiveHandles: {
    setup: 'const H = target.pool.handles; const words = target.words; const sink = target.sink',
    step: 'const h = H.lease(size); H.toRioBuf(h, words, (k & 63) << 2); const a = H.arena(h).buffer; const o = H.offset(h); ' +
      'sink[k & 3] = a.readUInt32LE(o) ^ a.readUInt32LE(o + 4) ^ a.readUInt32LE(o + 8) ^ a.readUInt32LE(o + 12); H.release(items[v]); items[v] = h',
  },
  receiveAllocUnsafe: {
    setup: 'const B = target.Buffer; const sink = target.sink',
    step: 'const b = B.allocUnsafe(size); sink[k & 3] = b.readUInt32LE(0) ^ b.readUInt32LE(4) ^ b.readUInt32LE(8) ^ b.readUInt32LE(12); items[v] = b',
  },
} satisfies Record<string, FaceSource>

type PathFace = keyof typeof SOURCES | 'floor' | 'batch'

// The batch case cannot be one step of the template: a step is a batch, and
// k counts items (k += 64), so the harness's ns per op is ns per item. Ring
// entries are 32 Uint32Arrays of which the 16 before the current batch hold
// leases: batch b leases into items[b & 31] (empty since b - 16) and then
// releases items[(b + 16) & 31], so the pool hands out slots released one
// batch earlier, as the pairs' loops do. A call of ops items runs
// ceil(ops / 64) batches (the harness's batches are 64 000 items or more
// once calibrated, so the rounding is well under 0.1 %).
const BATCH_LOOP = `'use strict'
  const items = ring.items, fixedSize = ring.size
  const H = target.handles
  let k = ring.k | 0
  for (const end = (k + ops) | 0; k < end; k += ${BATCH}) {
    const b = k >> 6
    if (H.leaseMany(fixedSize, items[b & 31], ${BATCH}) !== ${BATCH}) throw new Error('the pool ran out of room')
    H.releaseMany(items[(b + 16) & 31], ${BATCH})
  }
  return k`

export type PathComparison = 'rioBuf' | 'lease' | 'batch' | 'send' | 'receive'

/** A figure: a case over its baseline, timed in the same rounds. */
interface RatioSpec {
  readonly id: PathRatioId
  readonly over: PathFace
  readonly baseline: PathFace
  readonly label: string
}

export type PathRatioId = 'rioBufWords' | 'rioBufBytes' | 'leaseOverBox' | 'firstWrite' | 'batch' | 'send' | 'sendHandles' | 'receive' | 'receiveHandles'

export const COMPARISONS: Record<PathComparison, { readonly faces: readonly PathFace[]; readonly ratios: readonly RatioSpec[] }> = {
  rioBuf: {
    faces: ['handles', 'rioBufWords', 'rioBufBytes'],
    ratios: [
      { id: 'rioBufWords', over: 'rioBufWords', baseline: 'handles', label: 'handle pair + toRioBuf(Uint32Array), over the handle pair' },
      { id: 'rioBufBytes', over: 'rioBufBytes', baseline: 'handles', label: 'handle pair + toRioBuf(Uint8Array), over the handle pair' },
    ],
  },
  lease: {
    faces: ['box', 'lease', 'leaseTouch'],
    ratios: [
      { id: 'leaseOverBox', over: 'lease', baseline: 'box', label: 'Lease pair, over the box (handle pair + 4-field object)' },
      { id: 'firstWrite', over: 'leaseTouch', baseline: 'lease', label: 'Lease pair + first lease.buffer write, over the Lease pair' },
    ],
  },
  batch: {
    faces: ['floor', 'batch'],
    ratios: [{ id: 'batch', over: 'batch', baseline: 'floor', label: 'leaseMany + releaseMany of 64, per item, over the floor' }],
  },
  send: {
    faces: ['sendAllocUnsafe', 'send', 'sendHandles'],
    ratios: [
      { id: 'send', over: 'send', baseline: 'sendAllocUnsafe', label: 'send path (Lease), over Buffer.allocUnsafe + the copy' },
      { id: 'sendHandles', over: 'sendHandles', baseline: 'sendAllocUnsafe', label: 'send path (handles), over Buffer.allocUnsafe + the copy' },
    ],
  },
  receive: {
    faces: ['receiveAllocUnsafe', 'receive', 'receiveHandles'],
    ratios: [
      { id: 'receive', over: 'receive', baseline: 'receiveAllocUnsafe', label: 'receive path (Lease), over Buffer.allocUnsafe + the reads' },
      { id: 'receiveHandles', over: 'receiveHandles', baseline: 'receiveAllocUnsafe', label: 'receive path (handles), over Buffer.allocUnsafe + the reads' },
    ],
  },
}

export const PATH_COMPARISONS = Object.keys(COMPARISONS) as PathComparison[]

function spec(size: number): GroupSpec {
  return { name: String(size), live: LIVE, randomVictims: false, sizes: fixedSizes(size), faces: [], arenaSize: 4 * MiB }
}

function pathCase(face: PathFace, size: number): Case {
  const s = spec(size)
  const shape = { randomVictims: false, mixedSizes: false }
  const name = `${size}/${face}`
  const words = new Uint32Array(RIO_BUFS * 4)
  const sink = new Int32Array(4)
  const payload = Buffer.alloc(size, 0x5a)
  const make = (target: unknown, r: Ring<unknown>, source: FaceSource, check?: () => void): Case => {
    const loop = compileLoop(source, shape)
    return { name, run: ops => { r.k = loop(target, r, ops) & 0xffffff }, check }
  }
  const fail = (what: string) => { throw new Error(`${name}: ${what}`) }
  // Checked after timing: the RIO_BUF's Length word, and the payload in the last lease sent.
  const wroteRioBuf = () => { if (words[3] !== size) fail(`wrote no RIO_BUF (Length ${words[3]})`) }
  const sent = (bytes: Uint8Array) => { if (bytes[0] !== 0x5a || bytes[size - 1] !== 0x5a) fail('the payload did not arrive') }
  switch (face) {
    case 'floor':
      throw new Error('the floor comes from groupCases')
    case 'batch': {
      const pool = newPool(s)
      const items = Array.from({ length: 32 }, () => new Uint32Array(BATCH))
      for (let b = 16; b < 32; b++) pool.handles.leaseMany(size, items[b]!, BATCH)
      const r: Ring<Uint32Array> = { items, order: new Int32Array(1), sizes: s.sizes, size, k: 0 }
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      const loop = new Function('target', 'ring', 'ops', BATCH_LOOP) as (t: unknown, r: Ring<unknown>, ops: number) => number
      const check = () => { if (pool.stats().outstandingLeases !== LIVE) fail(`${pool.stats().outstandingLeases} leases live, not ${LIVE}`) }
      return { name, run: ops => { r.k = loop(pool, r, ops) & 0xffffff }, check }
    }
    case 'handles': {
      const pool = newPool(s)
      return make(pool, ring(s, n => pool.handles.lease(n)), SOURCES.handles)
    }
    case 'rioBufWords':
    case 'rioBufBytes': {
      const pool = newPool(s)
      const bytes = new Uint8Array(RIO_BUFS * 16)
      return make({ pool, words, bytes }, ring(s, n => pool.handles.lease(n)), SOURCES[face],
        face === 'rioBufWords' ? wroteRioBuf : () => { if (new DataView(bytes.buffer).getUint32(12, true) !== size) fail('wrote no RIO_BUF') })
    }
    case 'box': {
      const pool = newPool(s)
      const H = pool.handles
      return make(pool, ring(s, n => ({ _handles: H, handle: H.lease(n), length: n, _buffer: undefined })), SOURCES.box)
    }
    case 'lease':
    case 'leaseTouch': {
      const pool = newPool(s)
      return make(pool, ring(s, n => pool.lease(n)), SOURCES[face])
    }
    case 'send':
    case 'receive': {
      const pool = newPool(s)
      const r = ring(s, n => pool.lease(n))
      return make({ pool, words, payload, sink }, r, SOURCES[face], () => {
        wroteRioBuf()
        if (face === 'send') sent(r.items[(r.k - 1) & (LIVE - 1)]!.buffer)
      })
    }
    case 'sendHandles':
    case 'receiveHandles': {
      const pool = newPool(s)
      const r = ring(s, n => pool.handles.lease(n))
      return make({ pool, words, payload, sink }, r, SOURCES[face], () => {
        wroteRioBuf()
        if (face === 'sendHandles') sent(pool.handles.buffer(r.items[(r.k - 1) & (LIVE - 1)]!))
      })
    }
    case 'sendAllocUnsafe':
    case 'receiveAllocUnsafe': {
      const r = ring(s, n => Buffer.allocUnsafe(n))
      return make({ Buffer, payload, sink }, r, SOURCES[face], face === 'sendAllocUnsafe' ? () => sent(r.items[(r.k - 1) & (LIVE - 1)]!) : undefined)
    }
  }
}

/** One comparison at one size: what one child process measures. */
export interface PathProcessFigures {
  readonly comparison: PathComparison
  readonly size: number
  /** Face -> median ns per step (per item for the batch): orientation only. */
  readonly ns: Partial<Record<PathFace, number>>
  readonly ratios: Partial<Record<PathRatioId, Ratio>>
}

export async function measurePaths(comparison: PathComparison, size: number, rounds: number): Promise<PathProcessFigures> {
  const c = COMPARISONS[comparison]
  if (!c) throw new Error(`unknown path comparison ${comparison}`)
  const cases = c.faces.map(face => face === 'floor' ? groupCases({ ...spec(size), faces: ['floor'] }, undefined as never)[0]! : pathCase(face, size))
  const t = timeInterleaved(cases, rounds)
  const name = (face: PathFace) => `${size}/${face}`
  return {
    comparison,
    size,
    ns: Object.fromEntries(c.faces.map(face => [face, medianNs(t, name(face))])),
    ratios: Object.fromEntries(c.ratios.map(r => [r.id, ratio(t, name(r.over), name(r.baseline))])),
  }
}

export interface PathFigures {
  readonly rounds: number
  readonly sizes: number[]
  /** One row per figure and size measured. */
  readonly figures: Array<{ id: PathRatioId; label: string; size: number; ratio: Ratio; ns: number; baselineNs: number }>
}

export function pathFigures(rounds: number, measured: readonly PathProcessFigures[]): PathFigures {
  const figures: PathFigures['figures'] = []
  for (const m of measured) {
    for (const spec of COMPARISONS[m.comparison].ratios) {
      const r = m.ratios[spec.id]
      if (r) figures.push({ id: spec.id, label: spec.label, size: m.size, ratio: r, ns: m.ns[spec.over]!, baselineNs: m.ns[spec.baseline]! })
    }
  }
  return { rounds, sizes: [...new Set(measured.map(m => m.size))].sort((a, b) => a - b), figures }
}

/** The figure for `id` at `size`, if measured. */
export function pathRatio(f: PathFigures | null, id: PathRatioId, size: number): Ratio | undefined {
  return f?.figures.find(x => x.id === id && x.size === size)?.ratio
}

export function printPaths(f: PathFigures): string[] {
  const w = [60, 9, 9, 9, 11]
  const lines = [
    'Paths: what a user runs around a lease, each against its baseline timed in the same rounds of the same process',
    `(${f.rounds} interleaved rounds; 1,024 live, oldest replaced). The box is the handle pair storing a bare 4-field object,`,
    'the cost of the object a Lease is. The send path leases, copies the payload into lease.buffer, writes its RIO_BUF',
    'into a preallocated Uint32Array and releases; the receive path leases, writes its RIO_BUF, reads 16 bytes of the',
    'view and releases. Below 1x the path is faster than its baseline.',
  ]
  for (const size of f.sizes) {
    lines.push('', `${size} B`, row(['', 'ns', 'base ns', 'ratio', 'p25-p75'], w))
    for (const x of f.figures.filter(x => x.size === size)) {
      lines.push(row([x.label, formatNs(x.ns), formatNs(x.baselineNs), `${formatRatio(x.ratio.median)}x`, `${formatRatio(x.ratio.p25)}-${formatRatio(x.ratio.p75)}`], w))
    }
  }
  return lines
}
