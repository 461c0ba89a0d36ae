// lease()/release() pairs with 1,000 leases live, against baselines measured
// in the same run: an Int32Array free-list pop+push (the floor for any JS
// pool), Buffer.allocUnsafe, and @thi.ng/malloc (a maintained JS allocator).
// The pool is reached as a module-level const, as a user's module holds it.
import { BufferPool } from '../lib/index.js'
import { formatNs, nsPerOp, row } from './measure.js'

const SIZE = 1500
const LIVE = 1000

const pool = new BufferPool({ arenaSize: 4 * 1024 * 1024, registration: 'auto' })
const H = pool.handles
const held = Array.from({ length: LIVE }, () => H.lease(SIZE))

const freeList = new Int32Array(LIVE + 1)
let top = 0
for (let k = 0; k < LIVE; k++) freeList[top++] = k

export interface HotPathFigures {
  floor: number
  handle: number
  lease: number
  allocUnsafe: number
  thing: number
  lines: string[]
}

export async function hotPath(): Promise<HotPathFigures> {
  const { MemPool } = await import('@thi.ng/malloc')
  const thing = new MemPool({ size: 4 * 1024 * 1024 })
  for (let k = 0; k < LIVE; k++) thing.malloc(SIZE)

  const figures = await nsPerOp('hot path', {
    floor: () => { const slot = freeList[--top]!; freeList[top++] = slot },
    handle: () => { H.release(H.lease(SIZE)) },
    lease: () => { pool.lease(SIZE).release() },
    allocUnsafe: () => Buffer.allocUnsafe(SIZE),
    thing: () => { thing.free(thing.malloc(SIZE)) },
  })
  const ns = (name: string) => figures.get(name)!.ns
  const floor = ns('floor')
  const w = [52, 9, 9, 30]
  const line = (label: string, name: string, note: string) =>
    row([label, formatNs(ns(name)), `${(ns(name) / floor).toFixed(1)}x`, note], w)
  const lines = [
    `Hot path: ${SIZE}-byte pairs with ${LIVE} leases live (benny, ns per pair)`,
    row(['', 'ns/op', 'vs floor', ''], w),
    line('Int32Array free-list pop+push (floor)', 'floor', ''),
    line('handles: H.release(H.lease(1500))', 'handle', 'target <= 5x floor'),
    line('Lease: pool.lease(1500).release()', 'lease', 'target <= 12x floor'),
    line('Buffer.allocUnsafe(1500)', 'allocUnsafe', `${(ns('allocUnsafe') / ns('lease')).toFixed(1)}x a Lease pair (target >= 5x)`),
    line('@thi.ng/malloc free(malloc(1500))', 'thing', `${(ns('thing') / ns('handle')).toFixed(1)}x a handle pair`),
  ]
  for (const h of held.splice(0)) H.release(h)
  return { floor, handle: ns('handle'), lease: ns('lease'), allocUnsafe: ns('allocUnsafe'), thing: ns('thing'), lines }
}
