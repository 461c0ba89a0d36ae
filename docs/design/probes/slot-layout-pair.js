// Run from the repository after `npm run build:ts`: node docs/design/probes/slot-layout-pair.js [rounds]
// Probe: the cost of a shared slot layout on the owner's pair, and of a
// cross-thread release by one CAS that moves the freed slot into the
// releasing thread's cache. Minimal copies of the hot path, same shape each.
const { Arena } = require('../../../dist/lib/index.js')
const SLOTS = 1 << 16, RING = 1024, STEPS = 1 << 21, ROUNDS = Number(process.argv[2] ?? 15)

function makeState(kind) {
  const bytes = SLOTS * 12 + 4096
  let buffer
  if (kind === 'plain') buffer = new ArrayBuffer(bytes)
  else if (kind === 'sab') buffer = new SharedArrayBuffer(bytes)
  else buffer = Arena.create(Math.ceil(bytes / 65536) * 65536, { registration: 'off' }).buffer.buffer
  const A = new Int32Array(buffer, 0, SLOTS), W = new Int32Array(buffer, SLOTS * 4, SLOTS), P = new Int32Array(buffer, SLOTS * 8, SLOTS)
  const cache = new Int32Array(SLOTS + 1)
  for (let i = 1; i < SLOTS; i++) cache[++cache[0]] = SLOTS - i
  return { A, W, P, cache, one: (5 << 24) | 1, items: new Int32Array(RING) }
}

// Today's shape: A = refcount, W = gen << 24 | length.
const plainPair = new Function('s', 'n', `
  const { A, W, cache, items } = s
  for (let k = 0; k < n; k++) {
    const v = k & ${RING - 1}
    const top = cache[0]; cache[0] = top - 1; const i = cache[top]
    const w = W[i]; A[i] = 1; W[i] = w | 1500; const h = i * 256 + (w >>> 24)
    const old = items[v], j = old >>> 8, wo = W[j]
    if (A[j] !== 1 || wo >>> 24 !== (old & 255)) throw new Error('bad')
    A[j] = 0; W[j] = (wo + (1 << 24)) & ~0x1ffff; const t = cache[0] + 1; cache[t] = j; cache[0] = t
    items[v] = h
  }`)
// Shared shape: A = owner tag << 24 | count, compared with this thread's own
// "one"; a release also checks P (other threads' pins) is 0.
const sharedPair = new Function('s', 'n', `
  const { A, W, P, cache, items } = s
  const one = s.one
  for (let k = 0; k < n; k++) {
    const v = k & ${RING - 1}
    const top = cache[0]; cache[0] = top - 1; const i = cache[top]
    const w = W[i]; A[i] = one; W[i] = w | 1500; const h = i * 256 + (w >>> 24)
    const old = items[v], j = old >>> 8, wo = W[j]
    if (A[j] !== one || P[j] !== 0 || wo >>> 24 !== (old & 255)) throw new Error('bad')
    A[j] = one - 1; W[j] = (wo + (1 << 24)) & ~0x1ffff; const t = cache[0] + 1; cache[t] = j; cache[0] = t
    items[v] = h
  }`)
// Owner tag only, no pin word check.
const taggedPair = new Function('s', 'n', `
  const { A, W, cache, items } = s
  const one = s.one
  for (let k = 0; k < n; k++) {
    const v = k & ${RING - 1}
    const top = cache[0]; cache[0] = top - 1; const i = cache[top]
    const w = W[i]; A[i] = one; W[i] = w | 1500; const h = i * 256 + (w >>> 24)
    const old = items[v], j = old >>> 8, wo = W[j]
    if (A[j] !== one || wo >>> 24 !== (old & 255)) throw new Error('bad')
    A[j] = one - 1; W[j] = (wo + (1 << 24)) & ~0x1ffff; const t = cache[0] + 1; cache[t] = j; cache[0] = t
    items[v] = h
  }`)
// Pins folded into the owner word: A = owner << 24 | pinned (bit 23) | count;
// the owner's compare to "one" fails whenever another thread pinned it.
const floor = new Function('s', 'n', `
  const { cache, items } = s
  for (let k = 0; k < n; k++) {
    const v = k & ${RING - 1}
    const top = cache[0]; const slot = cache[top]; cache[top] = items[v]; items[v] = slot
  }`)

function prime(s, pair) {
  for (let v = 0; v < RING; v++) {
    const top = s.cache[0]; s.cache[0] = top - 1; const i = s.cache[top]
    const w = s.W[i]; s.A[i] = pair === sharedPair || pair === taggedPair ? s.one : 1; s.W[i] = w | 1500; s.items[v] = i * 256 + (w >>> 24)
  }
}

const cases = [
  ['floor', floor, makeState('plain')],
  ['plain layout, ArrayBuffer', plainPair, makeState('plain')],
  ['owner tag only, ArrayBuffer', taggedPair, makeState('plain')],
  ['shared layout, ArrayBuffer', sharedPair, makeState('plain')],
  ['shared layout, external (arena)', sharedPair, makeState('external')],
  ['shared layout, SharedArrayBuffer', sharedPair, makeState('sab')],
]
for (const [, fn, s] of cases) if (fn !== floor) prime(s, fn); else for (let v = 0; v < RING; v++) s.items[v] = v
const times = cases.map(() => [])
for (let r = 0; r < ROUNDS + 3; r++) {
  for (let c = 0; c < cases.length; c++) {
    const [, fn, s] = cases[c]
    const t = process.hrtime.bigint(); fn(s, STEPS); const ns = Number(process.hrtime.bigint() - t) / STEPS
    if (r >= 3) times[c].push(ns)
  }
}
const median = a => [...a].sort((x, y) => x - y)[a.length >> 1]
const ratios = c => median(times[c].map((t, r) => t / times[1][r]))
for (let c = 0; c < cases.length; c++) console.log(`${cases[c][0].padEnd(36)} ${median(times[c]).toFixed(2)} ns  ${ratios(c).toFixed(2)}x plain layout  ${median(times[c].map((t, r) => t / times[0][r])).toFixed(2)}x floor`)
