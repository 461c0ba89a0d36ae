// What a RIO_BUF costs on top of a lease/release pair: the 1500-byte handle
// pair with 1,024 live, alone and with toRioBuf() into a preallocated
// Uint8Array or Uint32Array, timed by the shared harness in interleaved
// rounds, each ratio over the pair measured in the same rounds. Not yet part
// of npm run bench's report (issue 18 adds the whole send and receive paths):
//   npm run build:ts && node dist/benchmarks/rio-buf-path.js [rounds]
import { BufferPool } from '../lib/index.js'
import { formatRatio, median, ratio, timeInterleaved, type Case } from './harness.js'

const LIVE = 1024
const SIZE = 1500

// Each loop compiled on its own (new Function), so none shares another's type feedback.
const pairLoop = new Function('H', 'held', 'ops', `
  for (let k = 0; k < ops; k++) { const h = H.lease(${SIZE}); H.release(held[k & ${LIVE - 1}]); held[k & ${LIVE - 1}] = h }`)
const rioBufLoop = (): Function => new Function('H', 'held', 'ops', 'target', `
  for (let k = 0; k < ops; k++) { const h = H.lease(${SIZE}); H.toRioBuf(h, target, 0); H.release(held[k & ${LIVE - 1}]); held[k & ${LIVE - 1}] = h }`)

function ring(): { H: BufferPool['handles']; held: Int32Array } {
  const pool = new BufferPool({ arenaSize: 4 * 1024 * 1024 })
  const held = new Int32Array(LIVE)
  for (let k = 0; k < LIVE; k++) held[k] = pool.handles.lease(SIZE)
  return { H: pool.handles, held }
}

function main(): void {
  const rounds = Number(process.argv[2] ?? 21)
  const [a, b, c] = [ring(), ring(), ring()]
  const bytes = rioBufLoop()
  const words = rioBufLoop()
  const u8 = new Uint8Array(16)
  const u32 = new Uint32Array(4)
  const cases: Case[] = [
    { name: 'pair', run: ops => pairLoop(a.H, a.held, ops) },
    { name: 'pair + toRioBuf(Uint8Array)', run: ops => bytes(b.H, b.held, ops, u8) },
    { name: 'pair + toRioBuf(Uint32Array)', run: ops => words(c.H, c.held, ops, u32) },
  ]
  const timings = timeInterleaved(cases, rounds)
  console.log(`1500-byte handle pair, ${LIVE} live, ${rounds} interleaved rounds: ${median(timings.ns.get('pair')!).toFixed(1)} ns per pair`)
  for (const name of cases.slice(1).map(x => x.name)) {
    const r = ratio(timings, name, 'pair')
    console.log(`  ${name.padEnd(30)} ${formatRatio(r.median)}x the pair (p25-p75 ${formatRatio(r.p25)}-${formatRatio(r.p75)})`)
  }
}

main()
