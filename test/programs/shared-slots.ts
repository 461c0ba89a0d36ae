// Run as its own process: the shared slot protocol (lib/allocator/
// shared-slots.ts) under real worker_threads over one SharedArrayBuffer.
// argv[2] names the scenario, 'model' or 'contention'; prints, as JSON, what
// test/allocator/shared-slots-threads.test.ts checks. Workers run
// test/programs/shared-slots-worker.ts.
//
// The test's own shared arrays (the "ghost"), beside the protocol's words:
//   counters [ops, errors, reclaims by workers, references they released]; tag[i], the handle of the lease that last wrote
//   slot i (standing for its bytes); liveSerial[t], the worker serial
//   attached as thread t (0 once it exited); own[serial][i], the references
//   each serial holds on slot i, counted up after an operation takes one and
//   down before it gives one back, so it never exceeds the truth: a live
//   serial's positive count is a real hold.
// A worker's 'exit' event stands in for the addon's teardown store: the main
// thread then stores DEAD in its thread table entry. In the pool, each thread
// arms that store itself, with arena.storeOnExit(byteOffset, DEAD) on the
// arena holding the table (lib/arenas/arena.ts).
import * as path from 'node:path'
import { Worker } from 'node:worker_threads'
import { NO_HEAP, SharedSlots, SlotWord, ThreadState, createSharedSlotWords, type SlotGeometry } from '../../lib/allocator/shared-slots.js'
import { PoolError } from '../../lib/errors.js'
import { until as waitUntil } from '../support/until.js'

// These waits span whole model runs: a longer deadline, a shorter poll.
const until = (condition: () => boolean, what: string, ms = 15000): Promise<void> => waitUntil(condition, what, ms, 2)

const workerFile = path.join(__dirname, 'shared-slots-worker.js')
const MAX_SERIALS = 64
const MAIN_SERIAL = 1

function ghost(geometry: SlotGeometry) {
  const slots = geometry.slabs * geometry.slotsPerSlab
  const buffer = new SharedArrayBuffer(16 + 4 * (slots + geometry.threads) + 4 * MAX_SERIALS * slots)
  return {
    buffer,
    counters: new Int32Array(buffer, 0, 4),
    tag: new Int32Array(buffer, 16, slots),
    liveSerial: new Int32Array(buffer, 16 + 4 * slots, geometry.threads),
    own: new Int32Array(buffer, 16 + 4 * (slots + geometry.threads)),
  }
}


interface Record { worker: Worker; thread: number; ready: boolean; killed: boolean; exited: boolean; finished: boolean; paused: boolean }
interface Flight { kind: 'adopt' | 'loan'; h: number; from: number; to: number }

async function model(): Promise<unknown> {
  const geometry = { slabs: 128, slotsPerSlab: 32, threads: 8 }
  const slotCount = geometry.slabs * geometry.slotsPerSlab
  const heaps = [1, 2, 3] // three slabs given to the first workers' indices; the rest claimed by CAS
  const { buffer, words } = createSharedSlotWords(geometry, heaps.concat(new Array(geometry.slabs - heaps.length).fill(NO_HEAP)))
  const g = ghost(geometry)
  const main = new SharedSlots(words)
  const mainThread = main.attachThread()
  g.liveSerial[mainThread] = MAIN_SERIAL

  const errors: string[] = []
  const records = new Map<number, Record>()
  const inflight = new Map<number, Flight>()
  const mainHeld: number[] = []
  let phase: 'run' | 'pause' | 'finish' = 'run'
  let nextSerial = 2
  let messageId = 0
  let kills = 0
  let restarts = 0
  let reclaimedReferences = 0
  let mainReclaims = 0
  let orphans = 0
  let staleAfterSenderDied = 0
  let mainAdopted = 0
  let notAdoptable = 0
  let posts = 0
  let seed = 12345

  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return (seed >>> 8) % n
  }
  const op = (): number => Atomics.add(g.counters, 0, 1)

  function mainAdopt(h: number): void {
    op()
    let ok: boolean
    try {
      ok = main.adopt(h)
    } catch (error) {
      // The dead recipient adopted it and then lent or retained it: its own reclaim releases it.
      if ((error as PoolError).code !== 'RIOPOOL_NOT_ADOPTABLE') throw error
      notAdoptable++
      return
    }
    if (!ok) return // freed already: by the recipient, or by its dead sender's reclaim
    if (Atomics.load(g.tag, h >>> 8) !== h) errors.push(`main: tag of adopted ${h} is ${g.tag[h >>> 8]}`)
    Atomics.add(g.own, MAIN_SERIAL * slotCount + (h >>> 8), 1)
    mainHeld.push(h)
    mainAdopted++
  }

  function ack(serial: number, h: number): void {
    const record = records.get(serial)
    if (record !== undefined && !record.exited) record.worker.postMessage({ type: 'ack', h })
  }

  function route(from: number, kind: 'adopt' | 'loan', h: number): void {
    posts++
    const targets = [...records].filter(([serial, r]) => serial !== from && r.ready && !r.exited).map(([serial]) => serial)
    if (targets.length === 0) {
      if (kind === 'adopt') mainAdopt(h)
      else ack(from, h)
      return
    }
    const to = targets[random(targets.length)]!
    const msg = ++messageId
    inflight.set(msg, { kind, h, from, to })
    records.get(to)!.worker.postMessage({ type: kind, h, msg, from })
  }

  function onMessage(serial: number, message: { type: string; [key: string]: any }): void {
    const record = records.get(serial)!
    switch (message.type) {
      case 'ready': record.thread = message.thread; record.ready = true; break
      case 'error': errors.push(message.message); break
      case 'post': route(serial, message.kind, message.h); break
      case 'done': {
        const flight = inflight.get(message.msg)
        if (flight === undefined) break // its recipient died; settled at its exit
        inflight.delete(message.msg)
        if (!message.ok) {
          if (records.get(flight.from)!.exited) staleAfterSenderDied++
          else errors.push(`serial ${serial}: ${flight.kind} of ${flight.h} stale while its sender ${flight.from} lives`)
        }
        if (flight.kind === 'loan') ack(flight.from, flight.h)
        break
      }
      case 'paused': record.paused = true; break
      case 'finished': record.finished = true; break
    }
  }

  function onExit(serial: number): void {
    const record = records.get(serial)!
    record.exited = true
    const t = record.thread
    if (t >= 0) {
      if (Atomics.load(g.liveSerial, t) === serial) Atomics.store(g.liveSerial, t, 0)
      Atomics.store(words.threads, t, ThreadState.DEAD) // the addon's exit store, in the pool
      for (const [msg, flight] of inflight) {
        if (flight.to !== serial) continue
        inflight.delete(msg)
        if (flight.kind === 'adopt') mainAdopt(flight.h)
        else ack(flight.from, flight.h)
      }
      // Later, so that workers race for it (and may be terminated half way through).
      setTimeout(() => reclaimExited(serial, t), random(40))
    } else {
      errors.push(`serial ${serial} exited before attaching`)
    }
    if (phase === 'run') {
      restarts++
      start()
    }
  }

  function reclaimExited(serial: number, t: number): void {
    const record = records.get(serial)!
    for (let e = 0; e < geometry.threads; e++) if (Atomics.load(words.threads, e) === ThreadState.RECL + t) orphans++
    const released = main.reclaim(t)
    if (released >= 0) {
      mainReclaims++
      reclaimedReferences += released
      if (record.finished && released !== 0) errors.push(`serial ${serial} finished cleanly but reclaim released ${released} references`)
    } else {
      // A worker got there first: it is done, or its reclaimer is live (else main would have taken it over).
      const v = Atomics.load(words.threads, t)
      const byLive = v >= ThreadState.RECL && Atomics.load(words.threads, v - ThreadState.RECL) === ThreadState.LIVE
      if (v !== ThreadState.DONE && !byLive) errors.push(`reclaim of thread ${t} (serial ${serial}) refused in state ${v}`)
    }
  }

  function start(): void {
    const serial = nextSerial++
    if (serial >= MAX_SERIALS) throw new Error('out of serials')
    const worker = new Worker(workerFile, {
      workerData: { role: 'model', geometry, words: buffer, ghost: g.buffer, serial, seed: serial * 7919, total: 0, releasers: 0 },
    })
    records.set(serial, { worker, thread: -1, ready: false, killed: false, exited: false, finished: false, paused: false })
    worker.on('message', message => onMessage(serial, message))
    worker.on('error', error => errors.push(`serial ${serial}: ${String(error)}`))
    worker.on('exit', () => onExit(serial))
  }

  const began = Date.now()
  for (let k = 0; k < 3; k++) start()
  const live = (): Record[] => [...records.values()].filter(r => !r.exited)
  while (phase === 'run') {
    await new Promise(resolve => setTimeout(resolve, 20 + random(100)))
    const enough = Atomics.load(g.counters, 0) >= 150_000 && kills >= 12
    if (enough || Date.now() - began > 12_000 || errors.length > 20) {
      phase = 'pause'
      break
    }
    const victims = live().filter(r => r.ready && !r.killed)
    if (victims.length === 3 && kills < 40) {
      const victim = victims[random(victims.length)]!
      kills++
      victim.killed = true
      void victim.worker.terminate()
    }
  }
  const runMs = Date.now() - began
  // Quiet: every worker ready and paused, nothing in flight, every exit handled.
  await until(() => live().every(r => r.ready), 'workers to attach')
  for (const r of live()) r.worker.postMessage({ type: 'pause' })
  const settled = (): boolean => [...words.threads].every(v => v === ThreadState.FREE || v === ThreadState.LIVE || v === ThreadState.DONE)
  await until(() => live().every(r => r.paused) && inflight.size === 0 && settled(), 'a quiet pool, every dead thread reclaimed')
  const census = check(main, words, g, geometry, errors)
  phase = 'finish'
  for (const r of live()) r.worker.postMessage({ type: 'finish' })
  await until(() => live().length === 0 && settled(), 'workers to finish and be reclaimed')
  for (const h of mainHeld) {
    if (Atomics.load(g.tag, h >>> 8) !== h) errors.push(`main: tag of held ${h} overwritten`)
    Atomics.sub(g.own, MAIN_SERIAL * slotCount + (h >>> 8), 1)
    op()
    if (!main.release(h)) errors.push(`main: release of held ${h} refused`)
  }
  const final = main.stats()
  let dirty = 0
  for (let i = 0; i < slotCount; i++) if ((words.pin[i]! & (SlotWord.OWNER | SlotWord.MASK)) !== 0) dirty++
  return {
    ops: Atomics.load(g.counters, 0),
    workerErrors: Atomics.load(g.counters, 1),
    errors: errors.slice(0, 20),
    errorCount: errors.length,
    kills,
    restarts,
    workers: nextSerial - 2,
    posts,
    staleAfterSenderDied,
    mainAdopted,
    notAdoptable,
    reclaimedReferences: reclaimedReferences + Atomics.load(g.counters, 3),
    mainReclaims,
    workerReclaims: Atomics.load(g.counters, 2),
    orphans,
    census,
    final,
    dirty,
    threadStates: [...words.threads],
    runMs,
  }
}

/**
 * With every thread quiet: each slot's holders by the words (C's owner with
 * n > 0, each mask bit) are exactly the live threads the ghost says hold it,
 * all live; counts agree where the words carry them; tags are the leases'
 * handles; stats() adds up.
 */
function check(main: SharedSlots, words: ReturnType<typeof createSharedSlotWords>['words'], g: ReturnType<typeof ghost>, geometry: SlotGeometry, errors: string[]) {
  const slotCount = geometry.slabs * geometry.slotsPerSlab
  const stats = main.stats()
  let leased = 0
  let references = 0
  const owned = new Array<number>(geometry.threads).fill(0)
  for (let i = 0; i < slotCount; i++) {
    const p = Atomics.load(words.pin, i)
    const c = Atomics.load(words.count, i)
    const byGhost: number[] = []
    for (let t = 0; t < geometry.threads; t++) {
      const serial = Atomics.load(g.liveSerial, t)
      if (serial !== 0 && g.own[serial * slotCount + i]! > 0) byGhost.push(t)
    }
    if ((p & SlotWord.FREEING) !== 0 || c >>> 24 !== p >>> 24) {
      if (byGhost.length > 0) errors.push(`census: free slot ${i} held by threads ${byGhost}`)
      continue
    }
    leased++
    if (g.tag[i] !== i * 256 + (p >>> 24)) errors.push(`census: slot ${i} tagged ${g.tag[i]}, leased as ${i * 256 + (p >>> 24)}`)
    const owner = (c >>> 16) & 255
    const n = c & SlotWord.COUNT_MASK
    const byWords: number[] = []
    for (let t = 0; t < geometry.threads; t++) if ((t === owner && n > 0) || (p & (1 << t)) !== 0) byWords.push(t)
    if (byWords.join() !== byGhost.join()) errors.push(`census: slot ${i} held by ${byWords} by the words, ${byGhost} by the ghost`)
    for (const t of byWords) if (Atomics.load(words.threads, t) !== ThreadState.LIVE) errors.push(`census: slot ${i} held by thread ${t}, not live`)
    if ((p & SlotWord.MASK) !== 0 && ((p & SlotWord.OWNER) !== 0) !== (n > 0)) errors.push(`census: slot ${i} pinned with OWNER ${(p & SlotWord.OWNER) !== 0} and n ${n}`)
    if (n > 0) {
      owned[owner]!++
      const serial = g.liveSerial[owner]!
      if ((p & (1 << owner)) === 0 && g.own[serial * slotCount + i] !== n) errors.push(`census: slot ${i}: n ${n}, ghost ${g.own[serial * slotCount + i]}`)
    }
    for (const t of byGhost) references += g.own[g.liveSerial[t]! * slotCount + i]!
  }
  if (stats.leased !== leased || stats.free !== slotCount - leased || stats.owned.join() !== owned.join()) {
    errors.push(`census: stats ${JSON.stringify(stats)} against ${leased} leased, owned ${owned}`)
  }
  return { leased, references, stats }
}

async function contention(): Promise<unknown> {
  const geometry = { slabs: 8, slotsPerSlab: 32, threads: 8 }
  const total = 60_000
  const releasers = 3
  const { buffer, words } = createSharedSlotWords(geometry, new Array(geometry.slabs).fill(1))
  const g = ghost(geometry)
  const main = new SharedSlots(words)
  main.attachThread()
  const errors: string[] = []
  const spawn = (role: string, serial: number): Worker => {
    const worker = new Worker(workerFile, { workerData: { role, geometry, words: buffer, ghost: g.buffer, serial, seed: serial, total, releasers } })
    worker.on('error', error => errors.push(`${role} ${serial}: ${String(error)}`))
    return worker
  }
  const owner = spawn('owner', 2)
  let ownerThread = -1
  let leased: { leased: number; misses: number } | undefined
  let checked: { stats: ReturnType<SharedSlots['stats']>; cached: number } | undefined
  const released: number[] = []
  const workers: Worker[] = []
  owner.on('message', message => {
    if (message.type === 'ready') ownerThread = message.thread
    else if (message.type === 'error') errors.push(message.message)
    else if (message.type === 'batch') workers[message.to]!.postMessage(message)
    else if (message.type === 'leased') {
      leased = message
      for (const w of workers) w.postMessage({ type: 'end' })
    } else if (message.type === 'checked') checked = message
  })
  await until(() => ownerThread >= 0, 'the owner to attach')
  const began = Date.now()
  for (let k = 0; k < releasers; k++) {
    const w = spawn('releaser', 3 + k)
    w.on('message', message => {
      if (message.type === 'error') errors.push(message.message)
      else if (message.type === 'released') released.push(message.released)
    })
    workers.push(w)
  }
  await new Promise(resolve => setTimeout(resolve, 100)) // let the releasers start
  await until(() => workers.length === releasers, 'the releasers')
  owner.postMessage({ type: 'go' })
  await until(() => released.length === releasers, 'the releasers', 20_000)
  owner.postMessage({ type: 'check' })
  await until(() => checked !== undefined, "the owner's check")
  return {
    ownerThread,
    heaps: [...words.heap],
    leased,
    released,
    ops: Atomics.load(g.counters, 0),
    errors: errors.slice(0, 20),
    errorCount: errors.length,
    workerErrors: Atomics.load(g.counters, 1),
    ownerStats: checked!.stats,
    ownerCached: checked!.cached,
    mainStats: main.stats(),
    ms: Date.now() - began,
  }
}

/**
 * Rounds of: a holder leases `held` handles (main pins some) and is
 * terminated; a reclaimer starts reclaiming it and is terminated a few
 * milliseconds later, often half way; main reclaims the reclaimer, which
 * finishes the holder's reclaim; then the holder's unpinned leases are free,
 * the pinned ones live until main lets go, and nothing else is leased.
 */
async function killedReclaimer(): Promise<unknown> {
  const geometry = { slabs: 4096, slotsPerSlab: 64, threads: 8 }
  const held = 200
  const pinned = 20
  const { buffer, words } = createSharedSlotWords(geometry)
  const g = ghost(geometry)
  const main = new SharedSlots(words)
  main.attachThread()
  const errors: string[] = []
  const outcomes = { killedHalfWay: 0, killedBefore: 0, completed: 0, killedAfter: 0 }
  let seed = 99
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return (seed >>> 8) % n
  }
  const spawn = (role: string, target = -1): { worker: Worker; exited: Promise<void>; messages: Array<{ type: string; [key: string]: any }> } => {
    const worker = new Worker(workerFile, { workerData: { role, geometry, words: buffer, ghost: g.buffer, serial: 2, seed: 1, total: held, releasers: 0, target } })
    const messages: Array<{ type: string; [key: string]: any }> = []
    worker.on('message', message => messages.push(message))
    worker.on('error', error => errors.push(`${role}: ${String(error)}`))
    return { worker, messages, exited: new Promise(resolve => worker.once('exit', () => resolve())) }
  }
  const rounds = 16
  for (let round = 0; round < rounds; round++) {
    const holder = spawn('holder')
    await until(() => holder.messages.some(m => m.type === 'held'), 'the holder')
    const victim = holder.messages.find(m => m.type === 'ready')!.thread as number
    const handles = holder.messages.find(m => m.type === 'held')!.handles as number[]
    if (handles.length !== held) errors.push(`round ${round}: the holder leased ${handles.length}`)
    const pins = handles.slice(0, pinned)
    for (const h of pins) if (!main.retain(h)) errors.push(`round ${round}: pin of ${h} refused`)
    await holder.worker.terminate()
    await holder.exited
    Atomics.store(words.threads, victim, ThreadState.DEAD) // the addon's exit store
    const reclaimer = spawn('reclaimer', victim)
    // Wait (spinning) for its claim, then a random moment more, then terminate it.
    const deadline = Date.now() + 5000
    while (Atomics.load(words.threads, victim) === ThreadState.DEAD && Date.now() < deadline) { /* spin */ }
    const until2 = performance.now() + random(40) / 10
    while (performance.now() < until2) { /* spin */ }
    await reclaimer.worker.terminate()
    await reclaimer.exited
    await until(() => reclaimer.messages.some(m => m.type === 'ready'), 'the reclaimer\'s ready message')
    const r = reclaimer.messages.find(m => m.type === 'ready')!.thread as number
    Atomics.store(words.threads, r, ThreadState.DEAD)
    const state = Atomics.load(words.threads, victim)
    if (reclaimer.messages.some(m => m.type === 'reclaimed')) outcomes.completed++
    else if (state === ThreadState.RECL + r) outcomes.killedHalfWay++
    else if (state === ThreadState.DEAD) outcomes.killedBefore++
    else outcomes.killedAfter++ // DONE, its message lost with it
    if (main.reclaim(r) < 0) errors.push(`round ${round}: reclaim of the reclaimer refused`)
    if (Atomics.load(words.threads, victim) === ThreadState.DEAD && main.reclaim(victim) < 0) errors.push(`round ${round}: reclaim of the holder refused`)
    if (Atomics.load(words.threads, victim) !== ThreadState.DONE) errors.push(`round ${round}: holder left in state ${words.threads[victim]}`)
    if (Atomics.load(words.threads, r) !== ThreadState.DONE) errors.push(`round ${round}: reclaimer left in state ${words.threads[r]}`)
    const stillLive = handles.filter(h => main.isLive(h))
    if (stillLive.length !== pinned || stillLive.some((h, k) => h !== pins[k])) errors.push(`round ${round}: ${stillLive.length} of the holder's leases live, not its ${pinned} pinned ones`)
    for (const h of pins) {
      if (Atomics.load(g.tag, h >>> 8) !== h) errors.push(`round ${round}: tag of pinned ${h} overwritten`)
      if (!main.release(h)) errors.push(`round ${round}: release of pin ${h} refused`)
    }
    const stats = main.stats()
    if (stats.leased !== 0) errors.push(`round ${round}: ${stats.leased} leased after every holder let go`)
  }
  let dirty = 0
  for (let i = 0; i < words.pin.length; i++) if ((words.pin[i]! & (SlotWord.OWNER | SlotWord.MASK)) !== 0) dirty++
  return { rounds, outcomes, errors: errors.slice(0, 20), errorCount: errors.length, final: main.stats(), dirty, threadStates: [...words.threads] }
}

const scenarios: { [name: string]: () => Promise<unknown> } = { model, contention, 'killed-reclaimer': killedReclaimer }
const name = process.argv[2] ?? ''
const scenario = scenarios[name]
if (scenario === undefined) throw new Error(`no scenario ${name}`)
scenario().then(result => {
  process.stdout.write(JSON.stringify(result) + '\n')
  process.exit(0)
}, (error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`)
  process.exit(1)
})
