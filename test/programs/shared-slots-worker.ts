// A worker of test/programs/shared-slots.ts: one thread of the shared slot
// protocol. workerData names the scenario ('model', 'owner', 'releaser'),
// the words' SharedArrayBuffer and the test's own shared arrays (see
// shared-slots.ts for their layout). Every check that fails posts an
// 'error' message; the main thread collects them.
import { parentPort, workerData } from 'node:worker_threads'
import { SharedSlots, ThreadState, slotWordsOver, type SlotGeometry } from '../../lib/allocator/shared-slots.js'
import { PoolError } from '../../lib/errors.js'

interface Data {
  role: 'model' | 'owner' | 'releaser' | 'holder' | 'reclaimer'
  geometry: SlotGeometry
  words: SharedArrayBuffer
  ghost: SharedArrayBuffer
  serial: number
  seed: number
  /** owner: leases to make in all. */
  total: number
  /** owner: releasers to post to. */
  releasers: number
  /** reclaimer: the dead thread to reclaim. */
  target?: number
}

const data = workerData as Data
const port = parentPort!
const slots = new SharedSlots(slotWordsOver(data.words, 0, data.geometry))
const slotCount = data.geometry.slabs * data.geometry.slotsPerSlab
const threadCount = data.geometry.threads
// The test's shared arrays: [ops, errors, reclaims by workers, references they released], tag per slot, serial per thread index, own[serial][slot].
const counters = new Int32Array(data.ghost, 0, 4)
const tag = new Int32Array(data.ghost, 16, slotCount)
const liveSerial = new Int32Array(data.ghost, 16 + 4 * slotCount, threadCount)
const own = new Int32Array(data.ghost, 16 + 4 * (slotCount + threadCount))
const me = data.serial

let seed = data.seed >>> 0
function random(n: number): number {
  seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
  seed ^= seed >>> 13
  return (seed >>> 0) % n
}

function fail(message: string): void {
  Atomics.add(counters, 1, 1)
  port.postMessage({ type: 'error', message: `serial ${me} (thread ${slots.thread}): ${message}` })
}

const op = (): number => Atomics.add(counters, 0, 1)

// ---- the model scenario ---------------------------------------------------

interface Held { refs: number; lent: boolean; adoptable: boolean }
const held = new Map<number, Held>()
let mode: 'run' | 'pause' | 'finish' = 'run'
let posted = 0

/** Another live thread holding slot i means two leases overlap (the ghost counts never exceed the truth). */
function checkNoOtherHolder(i: number): void {
  if (own[me * slotCount + i] !== 0) fail(`leased slot ${i}, which it already holds`)
  for (let t = 0; t < threadCount; t++) {
    const s = Atomics.load(liveSerial, t)
    if (s === 0 || s === me) continue
    if (Atomics.load(own, s * slotCount + i) > 0 && Atomics.load(liveSerial, t) === s) fail(`leased slot ${i} while serial ${s} holds it`)
  }
}

function verify(h: number, what: string): void {
  const seen = Atomics.load(tag, h >>> 8)
  if (seen !== h) fail(`${what}: tag of slot ${h >>> 8} is ${seen}, not its handle ${h}`)
}

function hold(h: number, adoptable: boolean): void {
  Atomics.add(own, me * slotCount + (h >>> 8), 1)
  const entry = held.get(h)
  if (entry === undefined) held.set(h, { refs: 1, lent: false, adoptable })
  else entry.refs++
}

function drop(h: number, entry: Held): void {
  Atomics.sub(own, me * slotCount + (h >>> 8), 1)
  if (--entry.refs === 0) held.delete(h)
}

function pick(): [number, Held] | undefined {
  if (held.size === 0) return undefined
  let k = random(held.size)
  for (const pair of held) if (k-- === 0) return pair
  return undefined
}

function releaseHeld(h: number, entry: Held): void {
  verify(h, 'before release')
  drop(h, entry)
  op()
  if (!slots.release(h)) fail(`release of held ${h} refused`)
}

/**
 * Reclaims a dead thread, or finishes a reclaim whose reclaimer died, racing
 * the main thread's reclaim at each exit; this thread may be terminated
 * half way, and its own reclaimer must then finish the job.
 */
function tryReclaim(): void {
  const T = slots.T
  for (let t = 0; t < threadCount; t++) {
    if (t === slots.thread) continue
    const v = Atomics.load(T, t)
    if (v === ThreadState.DEAD || (v >= ThreadState.RECL && Atomics.load(T, v - ThreadState.RECL) !== ThreadState.LIVE)) {
      op()
      const released = slots.reclaim(t)
      if (released >= 0) {
        Atomics.add(counters, 2, 1)
        Atomics.add(counters, 3, released)
      }
    }
  }
}

function step(): void {
  if (random(1000) < 3) tryReclaim()
  const roll = random(100)
  if (roll < 35) {
    if (held.size >= 40) return
    op()
    const h = slots.lease(1 + random(9000))
    if (h < 0) return
    checkNoOtherHolder(h >>> 8)
    Atomics.store(tag, h >>> 8, h)
    hold(h, true)
    return
  }
  const pair = pick()
  if (pair === undefined) return
  const [h, entry] = pair
  if (entry.lent) return // held for a borrower until its ack
  if (roll < 65) {
    releaseHeld(h, entry)
  } else if (roll < 73) {
    op()
    if (!slots.retain(h)) fail(`retain of held ${h} refused`)
    hold(h, false)
  } else if (roll < 86) {
    if (!entry.adoptable || entry.refs !== 1) return
    verify(h, 'before posting for adopt')
    drop(h, entry) // the sender does not touch it again
    port.postMessage({ type: 'post', kind: 'adopt', h })
    posted++
  } else if (roll < 98) {
    entry.lent = true
    entry.adoptable = false
    port.postMessage({ type: 'post', kind: 'loan', h })
    posted++
  } else {
    verify(h, 'spot check')
  }
}

function onModelMessage(message: { type: string; h: number; msg: number; from: number }): void {
  const { h } = message
  if (message.type === 'adopt') {
    op()
    let ok = false
    try {
      ok = slots.adopt(h)
    } catch (error) {
      fail(`adopt of posted ${h}: ${(error as PoolError).code}`)
    }
    if (ok) {
      verify(h, 'after adopt')
      hold(h, true)
    }
    port.postMessage({ type: 'done', msg: message.msg, ok })
  } else if (message.type === 'loan') {
    op()
    const ok = slots.retain(h)
    if (ok) {
      verify(h, 'after a foreign retain')
      hold(h, false)
    }
    port.postMessage({ type: 'done', msg: message.msg, ok })
  } else if (message.type === 'ack') {
    const entry = held.get(h)
    if (entry === undefined || !entry.lent) fail(`ack for ${h}, not lent`)
    else entry.lent = false
  } else if (message.type === 'pause') {
    mode = 'pause'
    port.postMessage({ type: 'paused' })
  } else if (message.type === 'finish') {
    mode = 'finish'
    for (const [h, entry] of [...held]) while (held.has(h)) releaseHeld(h, entry)
    port.postMessage({ type: 'finished', posted })
    port.close()
  }
}

function runModel(): void {
  port.on('message', onModelMessage)
  const tick = (): void => {
    if (mode === 'finish') return
    if (mode === 'run') for (let k = 0; k < 100; k++) step()
    setImmediate(tick)
  }
  tick()
}

// ---- the contention scenario ---------------------------------------------

/** Leases `total` handles from its own slabs, posting them in batches to the releasers round robin. */
function runOwner(releasers: number): void {
  let leased = 0
  let misses = 0
  let next = 0
  const batch: number[] = []
  const tick = (): void => {
    for (let k = 0; k < 512 && leased < data.total; k++) {
      op()
      const h = slots.lease(1 + (k & 1023))
      if (h < 0) {
        misses++
        break
      }
      leased++
      if (Atomics.compareExchange(tag, h >>> 8, 0, h) !== 0) fail(`leased slot ${h >>> 8} still tagged ${Atomics.load(tag, h >>> 8)}`)
      batch.push(h)
      if (batch.length === 32) {
        port.postMessage({ type: 'batch', to: next, handles: batch.splice(0) })
        next = (next + 1) % releasers
      }
    }
    if (leased < data.total) {
      setImmediate(tick)
      return
    }
    if (batch.length > 0) port.postMessage({ type: 'batch', to: next, handles: batch.splice(0) })
    port.postMessage({ type: 'leased', leased, misses })
  }
  port.on('message', (message: { type: string }) => {
    if (message.type === 'go') tick()
    if (message.type !== 'check') return
    const stats = slots.stats()
    let cached = 0
    for (let s = 0; s < slots.cached.length; s++) cached += slots.cached[s]!
    port.postMessage({ type: 'checked', stats, cached })
    port.close()
  })
}

/** Adopts each posted handle, checks its tag, clears it and releases it (a remote free into the owner's slab). */
function runReleaser(): void {
  let released = 0
  port.on('message', (message: { type: string; handles: number[] }) => {
    if (message.type === 'batch') {
      for (const h of message.handles) {
        op()
        if (!slots.adopt(h)) fail(`adopt of posted ${h} refused`)
        if (Atomics.load(tag, h >>> 8) !== h) fail(`tag of ${h} overwritten`)
        Atomics.store(tag, h >>> 8, 0)
        op()
        if (!slots.release(h)) fail(`release of adopted ${h} refused`)
        released++
      }
    } else if (message.type === 'end') {
      port.postMessage({ type: 'released', released })
      port.close()
    }
  })
}

// ---- a reclaimer terminated half way ---------------------------------------

/** Leases `total` handles, posts them, and waits to be terminated holding them. */
function runHolder(): void {
  const handles: number[] = []
  for (let k = 0; k < data.total; k++) {
    const h = slots.lease(1 + k)
    if (h < 0) break
    Atomics.store(tag, h >>> 8, h)
    handles.push(h)
  }
  port.postMessage({ type: 'held', handles })
  port.on('message', () => {})
}

/** Reclaims the target at once; the main thread terminates it at a random moment. */
function runReclaimer(): void {
  const released = slots.reclaim(data.target!)
  port.postMessage({ type: 'reclaimed', released })
  port.on('message', () => {})
}

const thread = slots.attachThread()
if (data.role === 'model') Atomics.store(liveSerial, thread, me)
port.postMessage({ type: 'ready', thread })
if (data.role === 'model') runModel()
else if (data.role === 'owner') runOwner(data.releasers)
else if (data.role === 'releaser') runReleaser()
else if (data.role === 'holder') runHolder()
else runReclaimer()
