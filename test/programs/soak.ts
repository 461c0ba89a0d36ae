// npm run soak (not part of npm test): millions of mixed operations on one
// pool, through both faces, with sizes from 16 B to a few pages, a live set
// that swells and drains, and periodic trims. After the final drain, the
// pool's arena bytes must be back to zero and RSS near where it started.
// Prints the figures as one JSON line; exits 1 when a check fails.
//   node --expose-gc dist/test/programs/soak.js [operations=10000000]
import { BufferPool } from '../../lib/index.js'

const operations = Number(process.argv[2] ?? 10_000_000)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')
const mib = (n: number) => Math.round(n / 1048576)

let seed = 0x2545f491
function random(): number {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) / 4294967296
}

function size(): number {
  const r = random()
  if (r < 0.5) return 16 + Math.floor(random() * 1500)
  if (r < 0.9) return 1500 + Math.floor(random() * 16000)
  return 65536 + Math.floor(random() * 200000)
}

async function main(): Promise<void> {
  gc!()
  const rssBefore = process.memoryUsage().rss
  const pool = new BufferPool({ arenaSize: 4 << 20, maxBytes: 512 << 20, spareArenas: 0 })
  const H = pool.handles
  const live: number[] = []
  let peakArenaBytes = 0
  let refused = 0
  const started = process.hrtime.bigint()
  for (let op = 0; op < operations; op++) {
    // The live set swells for 200 K operations, then drains for 200 K.
    const target = (op / 200_000) % 2 < 1 ? 10_000 : 0
    if (live.length < target ? random() < 0.7 : random() < 0.3) {
      const h = random() < 0.5 ? H.tryLease(size()) : (pool.tryLease(size())?.handle ?? -1)
      if (h < 0) refused++
      else {
        H.buffer(h)[0] = op & 0xff
        live.push(h)
      }
    } else if (live.length > 0) {
      const k = Math.floor(random() * live.length)
      const h = live[k]!
      live[k] = live[live.length - 1]!
      live.pop()
      if (random() < 0.1) {
        H.retain(h)
        H.release(h)
      }
      H.release(h)
    }
    if (op % 1_000_000 === 0) {
      peakArenaBytes = Math.max(peakArenaBytes, pool.stats().arenaBytes)
      pool.trim()
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  for (const h of live) H.release(h)
  live.length = 0
  pool.trim()
  const drained = pool.stats()
  await pool.close()
  for (let i = 0; i < 5; i++) {
    gc!()
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const rssAfter = process.memoryUsage().rss
  const figures = {
    operations,
    seconds: Math.round(seconds * 10) / 10,
    nsPerOperation: Math.round((seconds * 1e9) / operations),
    refused,
    peakArenaMiB: mib(peakArenaBytes),
    arenaBytesAfterDrain: drained.arenaBytes,
    leasesAfterDrain: drained.outstandingLeases,
    rssBeforeMiB: mib(rssBefore),
    rssAfterMiB: mib(rssAfter),
  }
  console.log(JSON.stringify(figures))
  const failures = []
  if (drained.arenaBytes !== 0 || drained.outstandingLeases !== 0) failures.push('arena bytes did not return to 0 after the drain')
  if (rssAfter - rssBefore > 64 * 1048576) failures.push(`RSS grew by ${mib(rssAfter - rssBefore)} MiB`)
  for (const failure of failures) console.error(`soak: ${failure}`)
  process.exitCode = failures.length > 0 ? 1 : 0
}

void main()
