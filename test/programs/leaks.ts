// Run with --expose-gc and a scenario name: leak detection end to end, with
// real garbage collection. Prints one JSON line of what was observed.
import { Arena, BufferPool, Lease, type LeakReport } from '../../lib/index.js'
import { countingRegistrar } from '../support/doubles.js'

const gc = (globalThis as { gc?: () => void }).gc!

// FinalizationRegistry callbacks run as tasks after a GC: collect, then yield, a few times.
async function collect(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    gc()
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

/** What a report carried, as JSON can hold it (test/pool-leaks.test.ts reads these). */
export interface Seen {
  size: number
  length: number
  capacity: number
  offset: number
  handle: number
  refCount: number
  arenaIsArena: boolean
  ageMs: number | null
  leaked: boolean
  stack: string | undefined
}

function seen(report: LeakReport): Seen {
  const { size, length, capacity, offset, handle, refCount, ageMs, leaked, stack } = report
  return { size, length, capacity, offset, handle, refCount, arenaIsArena: report.arena instanceof Arena, ageMs, leaked, stack }
}

// Kept out of line, so the Lease is unreachable once it returns.
function leakLeaseOf(pool: BufferPool, size: number): void {
  pool.lease(size).buffer[0] = 1
}

const scenarios: Record<string, () => Promise<unknown>> = {
  // 'all': a dropped Lease is reported once, with its stack; released ones never.
  async all() {
    const reports: Seen[] = []
    const pool = new BufferPool({ arenaSize: 1 << 20, leakDetection: 'all' })
    pool.on('leak', report => reports.push(seen(report)))
    for (let i = 0; i < 1000; i++) pool.lease(64 + (i % 50) * 31).release()
    const retained = pool.lease(700)
    const released = pool.lease(300)
    pool.handles.release(released.handle) // freed through the other face: not a leak
    ;(() => { pool.lease(200).retain() })() // dropped holding two references
    leakLeaseOf(pool, 1500)
    await new Promise(resolve => setTimeout(resolve, 20))
    await collect()
    await collect() // a second round reports nothing new
    // `retained` is read after the collections: JavaScriptCore (Bun) lets a
    // local go once nothing reads it again, and drops a bare `void retained`.
    return { reports, leakedLeases: pool.stats().leakedLeases, outstanding: pool.stats().outstandingLeases, held: retained.length }
  },

  // No listener and no onLeak: a RIOPOOL_LEAK warning.
  async warning() {
    const warnings: Array<{ code: unknown; message: string; detail: unknown }> = []
    process.on('warning', w => warnings.push({ code: (w as { code?: unknown }).code, message: w.message, detail: (w as { detail?: unknown }).detail }))
    const pool = new BufferPool({ arenaSize: 1 << 20, leakDetection: 'all' })
    leakLeaseOf(pool, 1500)
    await collect()
    return { warnings }
  },

  // onLeak and listeners both hear of it, and then no warning is printed.
  async onLeak() {
    const calls: string[] = []
    let warned = 0
    process.on('warning', () => warned++)
    const pool = new BufferPool({ arenaSize: 1 << 20, leakDetection: 'all', onLeak: r => calls.push(`onLeak ${r.size}`) })
    pool.on('leak', r => calls.push(`listener ${r.size}`))
    leakLeaseOf(pool, 99)
    await collect()
    return { calls, warned }
  },

  // 'sample': about sampleRate of the leaks; with sampleRate 1, all of them.
  async sample() {
    const counts: Record<string, number> = {}
    for (const [name, sampleRate] of [['default', undefined], ['one', 1]] as const) {
      let reports = 0
      const pool = new BufferPool({ arenaSize: 1 << 22, leakDetection: 'sample', ...(sampleRate === undefined ? {} : { sampleRate }) })
      pool.on('leak', () => reports++)
      for (let i = 0; i < 12_800; i++) leakLeaseOf(pool, 64)
      await collect()
      // The pool is read after the collections: a pool nothing reads again
      // may be collected with its leases, and its FinalizationRegistry with
      // it, which then reports nothing (Node 24 and 26 did, about 1 run in
      // 3: 0 reports of 12,800 leaks; so did Bun).
      if (pool.stats().leakedLeases !== reports) throw new Error(`${reports} reports, ${pool.stats().leakedLeases} leaked leases`)
      counts[name] = reports
    }
    return counts
  },

  // 'off': nothing is tracked, nothing reported, and close() keeps waiting.
  async off() {
    let warned = 0
    process.on('warning', () => warned++)
    const pool = new BufferPool({ arenaSize: 1 << 20 })
    leakLeaseOf(pool, 1500)
    await collect()
    let closed = false
    void pool.close({ warnAfterMs: 60_000 }).then(() => { closed = true })
    await collect()
    return { warned, closed, leakedLeases: pool.stats().leakedLeases }
  },

  // A leaked slot is quarantined: never reused, close() resolves without it,
  // its arena stays registered; released at last through pool.handles, it goes.
  async quarantine() {
    const registrar = countingRegistrar()
    const pool = new BufferPool({ arenaSize: 1 << 16, maxBytes: 1 << 16, registration: registrar, leakDetection: 'all' })
    const reports: LeakReport[] = []
    pool.on('leak', report => reports.push(report))
    leakLeaseOf(pool, 1500)
    const held = pool.lease(4096)
    await collect()
    const leaked = reports[0]!
    // Every 1500-byte slot the arena has left: none is the leaked one.
    const others: Lease[] = []
    for (let lease = pool.tryLease(1500); lease; lease = pool.tryLease(1500)) others.push(lease)
    const reused = others.some(lease => lease.handle >>> 8 === leaked.handle >>> 8)
    for (const lease of others) lease.release()
    let closed = 0
    const closing = pool.close().then(() => { closed++ })
    await collect()
    const closedBeforeHeldReleased = closed
    held.release()
    await closing
    const afterClose = { arenas: pool.stats().arenas, leakedLeases: pool.stats().leakedLeases, registrations: registrar.live.size }
    pool.handles.release(leaked.handle)
    await new Promise(resolve => setImmediate(resolve))
    const afterRelease = { arenas: pool.stats().arenas, leakedLeases: pool.stats().leakedLeases, registrations: registrar.live.size }
    return { reports: reports.length, reused, closedBeforeHeldReleased, closed, afterClose, afterRelease }
  },

  // A tracked Lease released through Lease.prototype.release, then its slot
  // reused 255 times through the prototypes' methods, until a live lease
  // holds the very same handle; the first Lease is then collected. Tracking
  // that every route keeps forgot the first record at its release: no report,
  // nothing quarantined, and close() waits for the live lease.
  async wrap() {
    const reports: Seen[] = []
    const pool = new BufferPool({ arenaSize: 1 << 20, leakDetection: 'all' })
    pool.on('leak', report => reports.push(seen(report)))
    const first = ((): number => {
      const lease = pool.lease(1500)
      Lease.prototype.release.call(lease)
      return lease.handle
    })()
    let live: Lease | undefined
    for (let reuse = 1; reuse <= 256 && live === undefined; reuse++) {
      const lease = BufferPool.prototype.lease.call(pool, 1500)
      if (lease.handle === first) live = lease
      else Lease.prototype.release.call(lease)
    }
    await collect()
    let closed = false
    const closing = pool.close().then(() => { closed = true })
    await collect()
    const closedWhileLive = closed
    live?.release()
    await closing
    return { sameHandle: live !== undefined, reports: reports.length, closedWhileLive, leakedLeases: pool.stats().leakedLeases }
  },
}

const scenario = scenarios[process.argv[2] ?? '']
if (!scenario) throw new Error(`unknown scenario ${process.argv[2]}`)
scenario().then(result => console.log(JSON.stringify(result)), error => {
  console.error(error)
  process.exitCode = 1
})
