// Per-lease cost must not grow with the number of live leases: the same
// handle pair measured with 1 K to 1 M leases of 1500 bytes held. Each count
// is measured in a fresh process (report.ts), so no count inherits another's
// type feedback or heap.
import { BufferPool } from '../lib/index.js'
import { formatNs, nsPerOp, row } from './measure.js'

const SIZE = 1500
export const SCALING_COUNTS = [1_000, 10_000, 100_000, 1_000_000]

/** ns per handle pair with `live` leases held. */
export async function scalingPoint(live: number): Promise<number> {
  const pool = new BufferPool({ arenaSize: 16 * 1024 * 1024, maxBytes: 2 * 1024 ** 3, registration: 'off' })
  const H = pool.handles
  const held = Array.from({ length: live }, () => H.lease(SIZE))
  const figures = await nsPerOp(`scaling ${live}`, { pair: () => { H.release(H.lease(SIZE)) } })
  for (const h of held) H.release(h)
  await pool.close()
  return figures.get('pair')!.ns
}

export function scalingTable(counts: number[], ns: number[]): string[] {
  const w = [52, 9, 9]
  return [
    `Scaling: handle pair H.release(H.lease(${SIZE})) by leases live (a fresh process each)`,
    row(['', 'ns/op', 'vs 1 K'], w),
    ...counts.map((live, k) => row([`${live.toLocaleString('en-US')} live`, formatNs(ns[k]!), `${(ns[k]! / ns[0]!).toFixed(2)}x`], w)),
  ]
}
