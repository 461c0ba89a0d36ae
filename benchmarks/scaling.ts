// Per-lease cost must not grow with the number of live leases: the same
// handle pair measured with 1 K to 1 M leases of 1500 bytes held.
import { BufferPool } from '../lib/index.js'
import { formatNs, nsPerOp, row } from './measure.js'

const SIZE = 1500

export async function scaling(counts = [1_000, 10_000, 100_000, 1_000_000]): Promise<{ ns: number[]; lines: string[] }> {
  const results: number[] = []
  for (const live of counts) {
    const pool = new BufferPool({ arenaSize: 16 * 1024 * 1024, maxBytes: 2 * 1024 ** 3, registration: 'off' })
    const H = pool.handles
    const held = Array.from({ length: live }, () => H.lease(SIZE))
    const figures = await nsPerOp(`scaling ${live}`, { pair: () => { H.release(H.lease(SIZE)) } })
    results.push(figures.get('pair')!.ns)
    for (const h of held) H.release(h)
    pool.trim()
  }
  const w = [52, 9, 9]
  const lines = [
    `Scaling: handle pair H.release(H.lease(${SIZE})) by leases live`,
    row(['', 'ns/op', 'vs 1 K'], w),
    ...counts.map((live, k) => row([`${live.toLocaleString('en-US')} live`, formatNs(results[k]!), `${(results[k]! / results[0]!).toFixed(2)}x`], w)),
  ]
  return { ns: results, lines }
}
