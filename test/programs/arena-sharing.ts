// Run as its own process: one arena's memory shared between threads
// (arena.share(), Arena.attach()). argv[2] names the scenario; prints, as
// JSON, what the test checks. Every wait has a deadline, so a broken count
// shows as an error, not a hang.
import * as fs from 'node:fs'
import { Worker } from 'node:worker_threads'
import type * as Pool from '../../lib/index.js'
import type * as Native from '../../lib/arenas/native.js'
import { until } from '../support/until.js'

/* eslint-disable @typescript-eslint/no-require-imports */
const { Arena, BufferPool } = require('../../lib/index.js') as typeof Pool
const { binding } = require('../../lib/arenas/native.js') as typeof Native
/* eslint-enable @typescript-eslint/no-require-imports */

interface SimulatedRio {
  counters(): { registered: number; deregistered: number; live: number }
  isRegistered(id: bigint): boolean
}
const sim = (binding as { simulatedRio?: SimulatedRio }).simulatedRio ?? null
const registration = sim ? 'required' : 'off'

const lib = require.resolve('../../lib/index.js')


/**
 * Whether any mapping of this process covers address (Linux; null
 * elsewhere). Not "starts at": the kernel merges neighbouring anonymous
 * mappings into one line.
 */
function mapped(address: bigint): boolean | null {
  if (process.platform !== 'linux') return null
  return fs.readFileSync('/proc/self/maps', 'utf8').split('\n').some(line => {
    const [start, end] = (line.split(' ')[0] ?? '').split('-')
    return start !== undefined && end !== undefined && BigInt(`0x${start}`) <= address && address < BigInt(`0x${end}`)
  })
}

/** Closes the creator as soon as no racing attach holds it; how many tries were RIOPOOL_BUSY. */
async function closeWhenFree(arena: Pool.Arena): Promise<number> {
  for (let busy = 0; ; busy++) {
    try {
      arena.close()
      return busy
    } catch (error) {
      if ((error as { code: string }).code !== 'RIOPOOL_BUSY') throw error
      await new Promise(resolve => setImmediate(resolve))
    }
  }
}

// Listened for from the start: a worker may post and exit before anyone awaits it.
const exits = new WeakMap<Worker, Promise<number>>()
const firstMessages = new WeakMap<Worker, Promise<unknown>>()

function worker(source: string, workerData: unknown): Worker {
  const w = new Worker(`const { Arena, BufferPool } = require(${JSON.stringify(lib)});\n${source}`, { eval: true, workerData })
  exits.set(w, new Promise(resolve => w.once('exit', resolve)))
  firstMessages.set(w, new Promise((resolve, reject) => {
    w.once('message', resolve)
    w.once('error', reject)
  }))
  return w
}

function message(w: Worker): Promise<unknown> {
  return firstMessages.get(w)!
}

function exit(w: Worker): Promise<number> {
  return exits.get(w)!
}

const scenarios: Record<string, () => Promise<unknown>> = {
  // A worker writes every page through its own view; the main thread reads them.
  async 'worker-writes'() {
    const arena = Arena.create(1 << 20, { registration })
    const w = worker(`
      const { workerData, parentPort } = require('node:worker_threads')
      const arena = Arena.attach(workerData)
      for (let page = 0; page < arena.size / 4096; page++) arena.buffer[page * 4096 + 7] = page & 255
      parentPort.postMessage({ address: arena.address, bufferId: arena.bufferId, registration: arena.registration, attached: arena.attached, refs: arena.refs })
      arena.close()
    `, arena.share())
    const seen = await message(w) as { address: bigint; bufferId: bigint | null; registration: string; attached: boolean; refs: number }
    await exit(w)
    let wrong = 0
    for (let page = 0; page < arena.size / 4096; page++) if (arena.buffer[page * 4096 + 7] !== (page & 255)) wrong++
    const refsAfter = arena.refs
    const address = arena.address
    arena.close()
    return {
      sameAddress: seen.address === arena.address, sameId: seen.bufferId === arena.bufferId, registration: seen.registration,
      creatorRegistration: arena.registration, attached: seen.attached, workerRefs: seen.refs, wrongPages: wrong,
      refsAfter, mappedAfterClose: mapped(address),
    }
  },

  // A worker attached and writing in a loop is terminated mid-loop: its arena
  // is finalized with its environment, the creator's refs fall back to 0.
  async 'terminate-holder'() {
    const arena = Arena.create(1 << 20, { registration })
    const w = worker(`
      const { workerData, parentPort } = require('node:worker_threads')
      const arena = Arena.attach(workerData)
      parentPort.postMessage('attached')
      for (let i = 0; ; i = (i + 4096) % arena.size) arena.buffer[i]++
    `, arena.share())
    await message(w)
    const refsWhileAttached = arena.refs
    let busy = ''
    try {
      arena.close()
    } catch (error) {
      busy = (error as { code: string }).code
    }
    await w.terminate()
    await until(() => arena.refs === 0, 'the terminated thread to let go')
    const address = arena.address
    const id = arena.bufferId
    arena.close()
    return { refsWhileAttached, busy, mappedAfterClose: mapped(address), registeredAfterClose: sim && id !== null ? sim.isRegistered(id) : null }
  },

  // The creating thread dies: the attached arena keeps the memory, its
  // bytes and its registration, which goes with the last close.
  async 'creator-dies'() {
    const before = sim?.counters() ?? null
    const w = worker(`
      const { workerData, parentPort } = require('node:worker_threads')
      const arena = Arena.create(1 << 20, { registration: workerData })
      arena.buffer.fill(0x5a)
      parentPort.postMessage(arena.share())
      setInterval(() => {}, 1000)
    `, registration)
    const descriptor = await message(w) as Pool.ArenaDescriptor
    const arena = Arena.attach(descriptor)
    await w.terminate()
    const afterTerminate = { refs: arena.refs, registered: sim && arena.bufferId !== null ? sim.isRegistered(arena.bufferId) : null }
    const bytesKept = arena.buffer.every(byte => byte === 0x5a)
    arena.buffer.fill(1) // still writable
    const address = arena.address
    const id = arena.bufferId
    arena.close()
    const after = sim?.counters() ?? null
    return {
      registration: arena.registration, afterTerminate, bytesKept, mappedAfterClose: mapped(address),
      registeredAfterClose: sim && id !== null ? sim.isRegistered(id) : null,
      registrations: before && after ? { registered: after.registered - before.registered, deregistered: after.deregistered - before.deregistered } : null,
    }
  },

  // Four workers attach, write and close, over and over, while the creator
  // holds the arena; a count of each worker's rounds comes back.
  async 'many-threads'() {
    const arena = Arena.create(1 << 16, { registration })
    const descriptor = arena.share()
    const workers = Array.from({ length: 4 }, (_, k) => worker(`
      const { workerData, parentPort } = require('node:worker_threads')
      let rounds = 0, wrongAddress = 0
      for (; rounds < 300; rounds++) {
        const arena = Arena.attach(workerData.descriptor)
        if (arena.address !== workerData.address) wrongAddress++
        arena.buffer[workerData.k * 64 + (rounds % 64)] = rounds & 255
        arena.close()
      }
      parentPort.postMessage({ rounds, wrongAddress })
    `, { descriptor, address: arena.address, k }))
    const results = await Promise.all(workers.map(message)) as { rounds: number; wrongAddress: number }[]
    await Promise.all(workers.map(exit))
    const refsAfter = arena.refs
    arena.close()
    return { rounds: results.reduce((sum, r) => sum + r.rounds, 0), wrongAddress: results.reduce((sum, r) => sum + r.wrongAddress, 0), refsAfter }
  },

  // Stores at a thread's teardown: on terminate() mid-loop (at random
  // moments), on a natural exit, after the arena object was collected; not
  // after close().
  async 'exit-store'() {
    const arena = Arena.create(65536, { registration: 'off' })
    const words = new Int32Array(arena.buffer.buffer, arena.buffer.byteOffset, 64)
    const descriptor = arena.share()
    const start = (source: string, data: unknown) => {
      const w = new Worker(`const { Arena } = require(${JSON.stringify(lib)});\nconst { workerData, parentPort } = require('node:worker_threads');\n${source}`, { eval: true, workerData: data })
      const exited = new Promise(resolve => w.once('exit', resolve))
      const ready = new Promise(resolve => w.once('message', resolve))
      return { w, exited, ready }
    }
    // Terminated at a random moment of a busy loop, 40 times over.
    let terminatedRight = 0
    const terminations = Number(process.argv[3] ?? 40)
    for (let k = 1; k <= terminations; k++) {
      const { w, exited, ready } = start(`
        const arena = Arena.attach(workerData.descriptor)
        arena.storeOnExit(0, workerData.k)
        parentPort.postMessage('armed')
        for (let i = 0; ; i = (i + 4096) % arena.size) arena.buffer[i + 100]++
      `, { descriptor, k })
      await ready
      await new Promise(resolve => setTimeout(resolve, Math.floor(Math.random() * 5)))
      await w.terminate()
      await exited
      if (Atomics.load(words, 0) === k) terminatedRight++
    }
    const natural = start(`
      const arena = Arena.attach(workerData)
      arena.storeOnExit(4, 22)
      parentPort.postMessage('armed')
    `, descriptor)
    await natural.exited
    const closed = start(`
      const arena = Arena.attach(workerData)
      arena.storeOnExit(8, 33)
      arena.close()
      parentPort.postMessage('closed')
    `, descriptor)
    await closed.exited
    const collected = start(`
      const gc = typeof Bun === 'object'
        ? () => Bun.gc(true)
        : (require('node:v8').setFlagsFromString('--expose-gc'), require('node:vm').runInNewContext('gc'))
      let arena = Arena.attach(workerData)
      arena.storeOnExit(12, 44)
      arena = null
      gc()
      setTimeout(() => { gc(); parentPort.postMessage('collected') }, 20)
    `, descriptor)
    await collected.exited
    await until(() => arena.refs === 0, 'the workers to let go')
    const result = { terminations, terminatedRight, natural: Atomics.load(words, 1), closed: Atomics.load(words, 2), collected: Atomics.load(words, 3) }
    arena.close()
    return result
  },

  // Descriptors that name nothing, or a closed arena, and arenas that cannot be shared.
  async refusals() {
    const codes: Record<string, string> = {}
    const code = (name: string, fn: () => unknown) => {
      try {
        fn()
        codes[name] = 'none'
      } catch (error) {
        codes[name] = `${(error as Error).name}:${(error as { code?: string }).code}`
      }
    }
    const arena = Arena.create(65536, { registration: 'off' })
    const descriptor = arena.share()
    code('forged', () => Arena.attach({ ...descriptor, token: '0'.repeat(32) }))
    code('not-hex', () => Arena.attach({ ...descriptor, token: 'x'.repeat(32) }))
    code('wrong-type', () => Arena.attach({ ...descriptor, type: 'other' } as never))
    code('null', () => Arena.attach(null as never))
    code('string', () => Arena.attach(descriptor.token as never))
    // Each field is read once: a getter that answers differently the second time gains nothing.
    let reads = 0
    code('getter', () => Arena.attach({ type: 'rio-buffer-pool/arena', size: 1, get token() { return reads++ === 0 ? descriptor.token : 'y' } } as never).close())
    code('native-long', () => new binding.NativeArena('a'.repeat(100000)))
    code('native-empty', () => new binding.NativeArena(''))
    code('native-unknown', () => new binding.NativeArena('f'.repeat(32)))
    code('exit-offset-type', () => arena.storeOnExit('0' as never, 1))
    code('exit-offset-odd', () => arena.storeOnExit(2, 1))
    code('exit-offset-end', () => arena.storeOnExit(65536, 1))
    code('exit-value-range', () => arena.storeOnExit(0, 2 ** 31))
    code('exit-value-type', () => arena.storeOnExit(0, 1n as never))
    code('exit-native-odd', () => (binding.NativeArena.prototype.storeOnExit as (this: unknown, a: number, b: number) => void).call(new binding.NativeArena(65536, false, false), 6, 1))
    const revocable = Proxy.revocable({}, {})
    revocable.revoke()
    code('revoked', () => Arena.attach(revocable.proxy as never))
    const pool = new BufferPool({ arenaSize: 65536, registration: 'off' })
    const lease = pool.lease(64)
    code('pool-arena', () => lease.arena.share())
    code('pool-arena-exit', () => lease.arena.storeOnExit(0, 1))
    lease.release()
    await pool.close()
    const attached = Arena.attach(descriptor)
    code('attached-shares', () => attached.share().token === descriptor.token || (() => { throw new Error('another token') })())
    attached.close()
    arena.close()
    code('closed-creator', () => arena.share())
    code('closed-exit', () => arena.storeOnExit(0, 1))
    code('after-close', () => Arena.attach(descriptor))
    return { codes, getterReads: reads }
  },

  // A Registrar's registration: attached arenas report its id, and only
  // the creator's close() (the last) gives it back, once.
  async 'custom-registrar'() {
    const calls: string[] = []
    const registrar = {
      register: () => { calls.push('register'); return 7n },
      deregister: (id: bigint) => { calls.push(`deregister ${id}`) },
    }
    const arena = Arena.create(65536, { registration: registrar })
    const attached = Arena.attach(arena.share())
    const seen = { registration: attached.registration, bufferId: attached.bufferId }
    let busy = ''
    try {
      arena.close()
    } catch (error) {
      busy = (error as { code: string }).code
    }
    attached.close()
    const callsBeforeCreatorClose = calls.length
    arena.close()
    return { seen, busy, callsBeforeCreatorClose, calls }
  },

  // A Registrar whose deregister() attaches to the arena being closed (the
  // same thread; another thread could do it at that moment too): the attach
  // must be refused, or the close, never an arena left with a given-back id.
  async 'attach-during-deregister'() {
    const calls: string[] = []
    let late: Pool.Arena | null = null
    let lateCode = 'none'
    let descriptor: Pool.ArenaDescriptor | null = null
    const registrar = {
      register: () => { calls.push('register'); return 7n },
      deregister: (id: bigint) => {
        calls.push(`deregister ${id}`)
        try {
          late = Arena.attach(descriptor!)
        } catch (error) {
          lateCode = (error as { code: string }).code
        }
      },
    }
    const arena = Arena.create(65536, { registration: registrar })
    descriptor = arena.share()
    let closeCode = 'none'
    try {
      arena.close()
    } catch (error) {
      closeCode = (error as { code: string }).code
    }
    const lateOpen = late !== null && !(late as Pool.Arena).closed
    const lateId = late === null ? null : (late as Pool.Arena).bufferId
    if (late !== null) (late as Pool.Arena).close()
    if (!arena.closed) arena.close()
    return { calls, lateCode, closeCode, lateOpen, lateId, creatorClosed: arena.closed }
  },

  // A deregister() that throws leaves the arena open and shared: its
  // descriptor attaches again, and the next close() gives the id back.
  async 'deregister-throws'() {
    let fail = true
    const calls: string[] = []
    const registrar = {
      register: () => 9n,
      deregister: (id: bigint) => {
        calls.push(`deregister ${id}`)
        if (fail) throw new Error('not now')
      },
    }
    const arena = Arena.create(65536, { registration: registrar })
    const descriptor = arena.share()
    let first = 'none'
    try {
      arena.close()
    } catch (error) {
      first = (error as Error).message
    }
    const again = Arena.attach(descriptor)
    const refsWhileAttached = arena.refs
    again.close()
    fail = false
    arena.close()
    let afterCode = 'none'
    try {
      Arena.attach(descriptor)
    } catch (error) {
      afterCode = (error as { code: string }).code
    }
    return { first, openAfterFailure: !arena.closed || refsWhileAttached === 1, refsWhileAttached, calls, afterCode }
  },

  // The creator's close() races attaches from two workers, arena after
  // arena: each attach either gets the memory or RIOPOOL_CLOSED, and each
  // registration is given back once.
  async 'race-close'() {
    const before = sim?.counters() ?? null
    const source = `
      const { parentPort } = require('node:worker_threads')
      parentPort.on('message', descriptor => {
        if (descriptor === 'stop') return parentPort.close()
        let outcome
        try {
          const arena = Arena.attach(descriptor)
          arena.buffer[1] = 1
          outcome = arena.buffer[0] === 0x33 ? 'attached' : 'wrong bytes'
          arena.close()
        } catch (error) {
          outcome = error.code
        }
        parentPort.postMessage(outcome)
      })
    `
    const workers = [worker(source, null), worker(source, null)]
    const outcomes: Record<string, number> = {}
    for (const w of workers) w.on('message', (outcome: string) => { outcomes[outcome] = (outcomes[outcome] ?? 0) + 1 })
    const rounds = 300
    let busy = 0
    for (let round = 0; round < rounds; round++) {
      const arena = Arena.create(65536, { registration })
      arena.buffer[0] = 0x33
      const descriptor = arena.share()
      for (const w of workers) w.postMessage(descriptor)
      // Spin a little so that some closes land mid-attach.
      for (let i = 0; i < (round % 7) * 2000; i++) arena.buffer[2]++
      busy += await closeWhenFree(arena)
    }
    await until(() => Object.values(outcomes).reduce((a, b) => a + b, 0) === rounds * workers.length, 'every attach to answer')
    for (const w of workers) w.postMessage('stop')
    await Promise.all(workers.map(exit))
    const after = sim?.counters() ?? null
    return {
      outcomes, busy,
      registrations: before && after ? { registered: after.registered - before.registered, deregistered: after.deregistered - before.deregistered, live: after.live - before.live } : null,
    }
  },

  // The creator is never closed but collected while a worker holds an arena
  // over its memory: the registration (RIO, or a Registrar's) stays until
  // the worker's close, and the bytes stay readable and writable.
  async 'gc-creator'() {
    const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun
    let gc: () => void
    if (bun) {
      gc = () => bun.gc(true)
    } else {
      const v8 = await import('node:v8')
      const vm = await import('node:vm')
      v8.setFlagsFromString('--expose-gc')
      gc = vm.runInNewContext('gc') as () => void
    }
    const calls: string[] = []
    const registrar = {
      register: () => { calls.push('register'); return 5n },
      deregister: (id: bigint) => { calls.push(`deregister ${id}`) },
    }
    const results: Record<string, unknown> = {}
    let holder: Pool.Arena | null = null
    for (const kind of [registration, 'custom'] as const) {
      const before = sim?.counters() ?? null
      const w = worker(`
        const { workerData, parentPort } = require('node:worker_threads')
        const arena = Arena.attach(workerData)
        parentPort.postMessage('attached')
        parentPort.once('message', () => {
          let good = 0
          for (let i = 0; i < arena.size; i += 4096) { if (arena.buffer[i] === 0x44) good++; arena.buffer[i] = 0x45 }
          const id = arena.bufferId
          arena.close()
          parentPort.postMessage({ good, pages: arena.size / 4096, id })
        })
      `, ((): Pool.ArenaDescriptor => {
        holder = Arena.create(1 << 20, { registration: kind === 'custom' ? registrar : kind })
        holder.buffer.fill(0x44)
        return holder.share()
      })())
      // A descriptor holds nothing: the creator is kept until the worker attached.
      await message(w)
      holder = null
      for (let i = 0; i < 6; i++) {
        gc()
        await new Promise(resolve => setTimeout(resolve, 20))
      }
      const callsWhileAttached = [...calls]
      const liveWhileAttached = sim ? sim.counters().live - before!.live : null
      const done = new Promise(resolve => w.once('message', resolve))
      w.postMessage('go')
      const seen = await done as { good: number; pages: number; id: bigint | null }
      await exit(w)
      const after = sim?.counters() ?? null
      results[kind] = {
        callsWhileAttached, liveWhileAttached, good: seen.good, pages: seen.pages,
        registrations: before && after ? { registered: after.registered - before.registered, deregistered: after.deregistered - before.deregistered } : null,
      }
    }
    results.calls = calls
    return results
  },

  // A worker makes and shares an arena, then exits without closing it
  // (its environment finalizes the arena) before anyone attaches.
  async 'sharer-exits'() {
    const before = sim?.counters() ?? null
    const w = worker(`
      const { workerData, parentPort } = require('node:worker_threads')
      const arena = Arena.create(1 << 16, { registration: workerData })
      parentPort.postMessage({ descriptor: arena.share(), address: arena.address })
    `, registration)
    const { descriptor, address } = await message(w) as { descriptor: Pool.ArenaDescriptor; address: bigint }
    const code = await exit(w)
    let attachCode = 'none'
    try {
      Arena.attach(descriptor).close()
    } catch (error) {
      attachCode = (error as { code: string }).code
    }
    const after = sim?.counters() ?? null
    return {
      code, attachCode, mappedAfterExit: mapped(address),
      registrations: before && after ? { registered: after.registered - before.registered, deregistered: after.deregistered - before.deregistered } : null,
    }
  },

  // Many arenas over one locked memory in this thread, closed in a shuffled
  // order: the pages stay locked (VmLck) until the last close, and the
  // creator's close() is busy until then.
  async 'same-thread-locked'() {
    const lockedKiB = () => process.platform === 'linux'
      ? Number(/VmLck:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN)
      : null
    const base = lockedKiB()
    const creator = Arena.create(1 << 20, { registration: 'off', lock: true })
    const descriptor = creator.share()
    const arenas = Array.from({ length: 200 }, () => Arena.attach(descriptor))
    for (let i = arenas.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1)
      ;[arenas[i], arenas[j]] = [arenas[j]!, arenas[i]!]
    }
    const refsAll = creator.refs
    let busy = 0
    let lockedDuring = true
    for (const [k, arena] of arenas.entries()) {
      arena.buffer[k] = k & 255
      if (k % 2 === 0) {
        try {
          creator.close()
        } catch (error) {
          if ((error as { code: string }).code === 'RIOPOOL_BUSY') busy++
        }
      }
      arena.close()
      arena.close() // idempotent
      const now = lockedKiB()
      if (now !== null && base !== null && now - base < 1024) lockedDuring = false
    }
    // The creator's view still reads what the attached ones wrote.
    let wrong = 0
    for (let k = 0; k < arenas.length; k++) if (creator.buffer[k] !== (k & 255)) wrong++
    const refsAfter = creator.refs
    const lockedBeforeLast = lockedKiB()
    creator.close()
    const lockedAfter = lockedKiB()
    return {
      refsAll, busy, lockedDuring, wrong, refsAfter,
      lockedBeforeLast: lockedBeforeLast === null || base === null ? null : lockedBeforeLast - base,
      lockedAfter: lockedAfter === null || base === null ? null : lockedAfter - base,
    }
  },

  // The new methods and getters on receivers that are not arenas.
  async 'this-confusion'() {
    const codes: Record<string, string> = {}
    const code = (name: string, fn: () => unknown) => {
      try {
        const value = fn()
        codes[name] = `ok:${typeof value}`
      } catch (error) {
        codes[name] = `${(error as Error).name}:${(error as { code?: string }).code}`
      }
    }
    const arena = Arena.create(65536, { registration: 'off' })
    const proto = binding.NativeArena.prototype as unknown as Record<string, unknown>
    const getter = (name: string) => Object.getOwnPropertyDescriptor(proto, name)!.get!
    const method = (name: string) => proto[name] as (...args: unknown[]) => unknown
    const foreign = [{}, arena, proto, Object.create(proto), new Proxy({}, {}), 1, null, undefined]
    for (const [i, receiver] of foreign.entries()) {
      for (const name of ['users', 'sharedKind', 'sharedId']) code(`${name}-${i}`, () => getter(name).call(receiver))
      code(`share-${i}`, () => method('share').call(receiver, 'none'))
      code(`retire-${i}`, () => method('retire').call(receiver))
      code(`relist-${i}`, () => method('relist').call(receiver))
      code(`arena-share-${i}`, () => Arena.prototype.share.call(receiver as never))
      code(`arena-attached-${i}`, () => Object.getOwnPropertyDescriptor(Arena.prototype, 'attached')!.get!.call(receiver))
    }
    // share() with hostile arguments on the real native arena: refused before anything is listed.
    const native = (() => {
      let found: unknown = null
      // The Arena keeps its native arena private: make one directly.
      found = new binding.NativeArena(65536, false, false)
      return found as Record<string, (...args: unknown[]) => unknown> & { close(): void }
    })()
    code('share-no-kind', () => native.share!())
    code('share-symbol', () => native.share!(Symbol('x')))
    code('share-custom-no-id', () => native.share!('custom', 1))
    code('share-custom-huge', () => native.share!('custom', 2n ** 70n))
    code('share-rio-unregistered', () => native.share!('rio'))
    code('share-other', () => native.share!('something'))
    code('share-boxed', () => native.share!(new String('none')))
    code('native-token-object', () => new binding.NativeArena({ toString: () => 'a'.repeat(32) } as never))
    code('native-token-call', () => (binding.NativeArena as unknown as (t: string) => unknown)('a'.repeat(32)))
    native.close()
    code('share-closed', () => native.share!('none'))
    // A descriptor whose token read closes its creator, or attaches inside.
    const creator = Arena.create(65536, { registration: 'off' })
    const shared = creator.share()
    code('proxy-closes-creator', () => Arena.attach(new Proxy(shared, {
      get: (target, key) => { if (key === 'token') creator.close(); return target[key as keyof typeof target] },
    })))
    const other = Arena.create(65536, { registration: 'off' })
    const otherShared = other.share()
    let inner: Pool.Arena | null = null
    code('getter-attaches-inside', () => {
      const outer = Arena.attach({ type: 'rio-buffer-pool/arena', size: 0, get token() { inner = Arena.attach(otherShared); return otherShared.token } })
      const users = [other.refs, outer.attached]
      outer.close()
      ;(inner as Pool.Arena | null)?.close()
      if (users[0] !== 2 || other.refs !== 0) throw new Error(`refs ${users[0]} then ${other.refs}`)
    })
    other.close()
    // Registering after share('none') would leave attached arenas told 'none'
    // while the creator wrote the RIO id concurrently with their reads.
    const sharedFirst = new binding.NativeArena(65536, false, false)
    sharedFirst.share('none')
    code('register-after-share', () => sharedFirst.registerRio())
    sharedFirst.close()
    arena.close()
    return codes
  },

  // A Registrar's id that 64 bits cannot carry (Arena.create takes any
  // bigint): share() refuses it rather than hand other threads another id.
  async 'wide-registrar-id'() {
    const results: Record<string, string> = {}
    for (const id of [-1n, 2n ** 64n + 3n, 2n ** 64n - 1n, 0n]) {
      const arena = Arena.create(65536, { registration: { register: () => id, deregister() {} } })
      try {
        const attached = Arena.attach(arena.share())
        results[String(id)] = `attached:${attached.bufferId}`
        attached.close()
      } catch (error) {
        results[String(id)] = `${(error as Error).name}:${(error as { code?: string }).code}`
      }
      arena.close()
    }
    return results
  },

  // Workers attaching and closing in a tight loop are terminated at odd
  // moments, mid-attach or mid-close: the creator's refs come back to 0
  // and its close gives the registration back once.
  async 'terminate-mid-attach'() {
    const rounds = Number(process.argv[3] ?? 40)
    const before = sim?.counters() ?? null
    const arena = Arena.create(1 << 16, { registration })
    const descriptor = arena.share()
    let terminated = 0
    for (let round = 0; round < rounds; round++) {
      const w = worker(`
        const { workerData, parentPort } = require('node:worker_threads')
        parentPort.postMessage('started')
        const held = []
        for (let i = 0; ; i++) {
          const a = Arena.attach(workerData)
          a.buffer[i & 1023]++
          if (i % 3 === 0) held.push(a)
          else a.close()
          if (held.length > 8) held.shift().close()
        }
      `, descriptor)
      await message(w)
      await new Promise(resolve => setTimeout(resolve, round % 5))
      await w.terminate()
      terminated++
    }
    await until(() => arena.refs === 0, 'every terminated thread to let go')
    const address = arena.address
    arena.close()
    const after = sim?.counters() ?? null
    return {
      terminated, mappedAfterClose: mapped(address),
      registrations: before && after ? { registered: after.registered - before.registered, deregistered: after.deregistered - before.deregistered, live: after.live - before.live } : null,
    }
  },

  // The process exits (process.exit) while workers hold attached arenas and
  // write through them, and the creator is still open: a clean exit.
  async 'exit-with-attached'() {
    const arena = Arena.create(1 << 20, { registration, lock: true })
    const descriptor = arena.share()
    const workers = Array.from({ length: 3 }, () => worker(`
      const { workerData, parentPort } = require('node:worker_threads')
      const arenas = [Arena.attach(workerData), Arena.attach(workerData)]
      parentPort.postMessage('attached')
      for (let i = 0; ; i = (i + 4096) % arenas[0].size) { arenas[0].buffer[i]++; arenas[1].buffer[i]++ }
    `, descriptor))
    await Promise.all(workers.map(message))
    process.stdout.write(JSON.stringify({ refs: arena.refs }))
    process.exit(0)
  },

  // An arena's public fields are plain data JS can overwrite: share()
  // records the registration the arena really has, not what they say.
  async 'forged-fields'() {
    const results: Record<string, unknown> = {}
    const cases: [string, Pool.RegistrationOption, Pool.RegistrationKind][] = [
      ['custom-as-none', { register: () => 11n, deregister() {} }, 'none'],
      ['none-as-custom', 'off', 'custom'],
    ]
    if (sim) cases.push(['rio-as-custom', 'required', 'custom'])
    for (const [name, option, forged] of cases) {
      const arena = Arena.create(65536, { registration: option })
      const real = { registration: arena.registration, bufferId: arena.bufferId }
      ;(arena as { registration: string }).registration = forged
      ;(arena as { size: number }).size = 1
      try {
        const descriptor = arena.share()
        const attached = Arena.attach(descriptor)
        results[name] = {
          real, descriptorSize: descriptor.size,
          same: attached.registration === real.registration && attached.bufferId === real.bufferId, seen: attached.registration,
        }
        attached.close()
      } catch (error) {
        results[name] = { real, code: (error as { code?: string }).code }
      }
      arena.close()
    }
    return results
  },

  // The same race with a Registrar, whose deregister() raises a flag that
  // attached workers read while their arena is open: no worker may see its
  // arena's id given back, and each id is given back once.
  async 'race-close-registrar'() {
    const flags = new Int32Array(new SharedArrayBuffer(4 * 400))
    const source = `
      const { parentPort, workerData } = require('node:worker_threads')
      const flags = workerData
      parentPort.on('message', message => {
        if (message === 'stop') return parentPort.close()
        let outcome
        try {
          const arena = Arena.attach(message.descriptor)
          outcome = Atomics.load(flags, message.round) === 0 ? 'attached' : 'attached after deregister'
          arena.close()
        } catch (error) {
          outcome = error.code
        }
        parentPort.postMessage(outcome)
      })
    `
    const workers = [worker(source, flags), worker(source, flags)]
    const outcomes: Record<string, number> = {}
    for (const w of workers) w.on('message', (outcome: string) => { outcomes[outcome] = (outcomes[outcome] ?? 0) + 1 })
    const rounds = 400
    const deregistered: number[] = []
    let busy = 0
    for (let round = 0; round < rounds; round++) {
      const arena = Arena.create(65536, {
        registration: {
          register: () => BigInt(round),
          deregister: id => {
            Atomics.store(flags, Number(id), 1)
            deregistered.push(Number(id))
            // Give an attach that slipped past the close time to read the flag.
            const until = Date.now() + 1
            while (Date.now() < until);
          },
        },
      })
      const descriptor = arena.share()
      for (const w of workers) w.postMessage({ descriptor, round })
      for (let i = 0; i < (round % 9) * 1500; i++) arena.buffer[2]++
      busy += await closeWhenFree(arena)
    }
    await until(() => Object.values(outcomes).reduce((a, b) => a + b, 0) === rounds * workers.length, 'every attach to answer')
    for (const w of workers) w.postMessage('stop')
    await Promise.all(workers.map(exit))
    return { outcomes, busy, deregisteredOnce: deregistered.length === rounds && new Set(deregistered).size === rounds }
  },

  // An attached thread transfers its view away (ArrayBuffer.prototype
  // .transfer, Node 21+: the view escapes its count), closes its arena and
  // keeps writing through the escaped view while the creator closes too:
  // the pages stay mapped for good (a bounded leak) and nothing crashes.
  async 'escaped-view'() {
    const arena = Arena.create(1 << 16, { registration: 'off' })
    const w = worker(`
      const { workerData, parentPort } = require('node:worker_threads')
      const arena = Arena.attach(workerData)
      const escaped = new Uint8Array(arena.buffer.buffer.transfer())
      arena.close()
      escaped[3] = 77
      parentPort.postMessage('escaped')
      parentPort.once('message', () => { escaped[4] = 5; parentPort.postMessage(escaped[3] + escaped[4]) })
    `, arena.share())
    await message(w)
    await until(() => arena.refs === 0, 'the worker to close')
    const seenByCreator = arena.buffer[3]
    const address = arena.address
    arena.close()
    const afterBoth = new Promise(resolve => w.once('message', resolve))
    w.postMessage('write again')
    const sum = await afterBoth
    await exit(w)
    return { seenByCreator, sum, mappedAfterClose: mapped(address) }
  },
}

const scenario = scenarios[process.argv[2] ?? '']
if (!scenario) throw new Error(`unknown scenario ${process.argv[2]}`)
// A scenario whose awaits drain the event loop leaves this set: no silent success.
process.exitCode = 2
scenario().then(result => {
  process.stdout.write(JSON.stringify(result, (_key, value: unknown) => typeof value === 'bigint' ? value.toString() : value))
  process.exitCode = 0
}, error => {
  console.error(error)
  process.exitCode = 1
})
