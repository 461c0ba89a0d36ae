// Run: node docs/design/probes/cross-thread-release.js [rounds]
// Probe: a release from another thread as one CAS on the slot's owner word
// (owner E, one reference -> owner B, none: the freed slot moves into B's
// cache), plus B's generation bump and cache push. The main thread leases a
// batch with plain stores (so B finds the lines in another core's cache), B
// releases it; per item, over the floor timed in B.
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads')
const N = 4096, ROUNDS = Number(process.argv[2] ?? 200)
if (isMainThread) {
  const sab = new SharedArrayBuffer(N * 8 + 64)
  const A = new Int32Array(sab, 0, N), W = new Int32Array(sab, N * 4, N), sync = new Int32Array(sab, N * 8, 16)
  const w = new Worker(__filename, { workerData: sab, argv: process.argv.slice(2) })
  const E = (5 << 24) | 1
  w.on('message', result => { if (result === 'ready') return run(); console.log(result); w.terminate() })
  function run() { for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < N; i++) { A[i] = E; W[i] = (W[i] & ~0x1ffff) | 1500 }
    Atomics.store(sync, 0, r + 1); Atomics.notify(sync, 0)
    Atomics.wait(sync, 1, r) // until B is done with round r
  } }
} else {
  const sab = workerData
  const A = new Int32Array(sab, 0, N), W = new Int32Array(sab, N * 4, N), sync = new Int32Array(sab, N * 8, 16)
  const E = (5 << 24) | 1, B = 6 << 24
  const cache = new Int32Array(N + 1), stack = new Int32Array(N + 1), items = new Int32Array(N)
  for (let i = 0; i < N; i++) { stack[i + 1] = i; items[i] = i }
  const release = (n) => {
    let failed = 0
    for (let i = 0; i < n; i++) {
      if (Atomics.compareExchange(A, i, E, B) !== E) { failed++; continue }
      W[i] = (W[i] + (1 << 24)) & ~0x1ffff
      const t = cache[0] + 1; cache[t] = i; cache[0] = t
    }
    cache[0] = 0
    return failed
  }
  const floor = (n) => { let top = N; for (let k = 0; k < n; k++) { const v = k & (N - 1); const slot = stack[top]; stack[top] = items[v]; items[v] = slot } }
  const xs = [], fs = []
  parentPort.postMessage('ready')
  let failed = 0
  for (let r = 0; r < ROUNDS; r++) {
    Atomics.wait(sync, 0, r)
    let t = process.hrtime.bigint(); failed += release(N); xs.push(Number(process.hrtime.bigint() - t) / N)
    t = process.hrtime.bigint(); floor(N); fs.push(Number(process.hrtime.bigint() - t) / N)
    Atomics.store(sync, 1, r + 1); Atomics.notify(sync, 1)
  }
  const median = a => [...a].sort((x, y) => x - y)[a.length >> 1]
  const skip = 20
  parentPort.postMessage({ releaseNs: median(xs.slice(skip)).toFixed(2), floorNs: median(fs.slice(skip)).toFixed(2), ratio: median(xs.slice(skip).map((x, k) => x / fs[k + skip])).toFixed(1), failed, items: (ROUNDS) * N })
}
