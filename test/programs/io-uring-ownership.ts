// Child program: who owns an io_uring registrar's descriptors and slots
// (issue 17, items 3, 4 and 5). Each scenario, named by argv[2], prints one
// JSON line of what it saw; test/io-uring/io-uring-ownership.test.ts reads it.
// Run with --expose-gc (the "foreign" scenario collects registrars).
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Worker } from 'node:worker_threads'
import { Arena, BufferPool, IoUringRegistrar } from '../../lib/index.js'
import { helper, IORING_SETUP_SINGLE_ISSUER } from '../support/io-uring-ring.js'

const turn = (): Promise<void> => new Promise(resolve => setImmediate(resolve))
const code = (fn: () => unknown): string => {
  try {
    fn()
    return 'ok'
  } catch (error) {
    return String((error as { code?: unknown }).code)
  }
}
const message = (fn: () => unknown): string => {
  try {
    fn()
    return ''
  } catch (error) {
    return (error as Error).message
  }
}
const openFds = (): number => fs.readdirSync('/proc/self/fd').length
const tmp = (name: string): string => path.join(os.tmpdir(), `rbp-own-${process.pid}-${name}`)
const writable = (fd: number): string => code(() => fs.writeSync(fd, 'still mine\n'))

async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    global.gc!()
    await turn()
  }
}

// Item 3: reg.fd closed by its user and the number reused for a file.
async function foreign(): Promise<unknown> {
  const warnings: string[] = []
  process.on('warning', w => warnings.push(`${(w as { code?: string }).code}: ${w.message}`))

  // A registrar closed properly after the loss.
  const reg = IoUringRegistrar.create({ slots: 4 })
  const pool = new BufferPool({ registration: reg, arenaSize: 64 * 1024, spareArenas: 0 })
  const held = pool.lease(1500)
  const second = pool.lease(64 * 1024) // a second arena: one more slot
  const ringFd = reg.fd
  fs.closeSync(ringFd)
  const file = fs.openSync(tmp('a'), 'w+')
  const reused = file === ringFd
  const arena = Arena.create(64 * 1024, { registration: 'off' })
  const registerError = { code: code(() => reg.register(arena.address, arena.size)), message: message(() => reg.register(arena.address, arena.size)) }
  arena.close()
  const cloneCode = code(() => reg.cloneInto(file))
  second.release() // maintenance deregisters its arena, in a lost ring
  for (let i = 0; i < 200; i++) {
    pool.lease(100).release()
    await turn()
  }
  held.release()
  const closed = await Promise.race([pool.close().then(() => 'resolved', (e: { code?: string }) => `rejected ${e.code}`), new Promise(r => setTimeout(() => r('hung'), 2000))])
  const slotsInUse = reg.slotsInUse
  const regClose = code(() => reg.close())
  const fdAfter = reg.fd
  const writeAfterClose = writable(file)

  // A registrar collected without close(), its arena still registered.
  let dropped: IoUringRegistrar | undefined = IoUringRegistrar.create({ slots: 2 })
  let droppedPool: BufferPool | undefined = new BufferPool({ registration: dropped, arenaSize: 64 * 1024 })
  droppedPool.lease(100)
  const droppedFd = dropped.fd
  fs.closeSync(droppedFd)
  const file2 = fs.openSync(tmp('b'), 'w+')
  const reused2 = file2 === droppedFd
  dropped = undefined
  droppedPool = undefined
  // And one with no pool: nothing but its finalizer sees the number again.
  let bare: IoUringRegistrar | undefined = IoUringRegistrar.create({ slots: 2 })
  const bareFd = bare.fd
  fs.closeSync(bareFd)
  const file3 = fs.openSync(tmp('c'), 'w+')
  const reused3 = file3 === bareFd
  bare = undefined
  await collect()
  const writeAfterCollect = writable(file2)
  const writeAfterBareCollect = writable(file3)

  for (const f of [file, file2, file3]) code(() => fs.closeSync(f)) // one closed by mistake is reported above
  for (const n of ['a', 'b', 'c']) fs.rmSync(tmp(n), { force: true })
  return { reused, reused2, reused3, writeAfterBareCollect, registerError, cloneCode, closed, slotsInUse, regClose, fdAfter, writeAfterClose, writeAfterCollect, warnings }
}

// Item 3, second half: a Registrar whose deregister() always fails, seen by
// pool maintenance on 200 turns with a release.
async function warnOnce(): Promise<unknown> {
  const warnings: string[] = []
  process.on('warning', w => warnings.push(`${(w as { code?: string }).code}: ${w.message}`))
  let next = 0n
  const pool = new BufferPool({
    arenaSize: 64 * 1024,
    spareArenas: 0,
    registration: {
      register: () => next++,
      deregister: () => { throw Object.assign(new Error('the ring refused to empty the slot'), { code: 'EIO' }) },
    },
  })
  const held = pool.lease(1500)
  pool.lease(64 * 1024).release() // a second arena, idle: maintenance tries to deregister it
  for (let i = 0; i < 200; i++) {
    pool.lease(100).release()
    await turn()
  }
  held.release()
  return { warnings }
}

// Item 4: two registrars never hold one slot of a ring.
async function slots(): Promise<unknown> {
  const h = helper!
  const result: Record<string, unknown> = {}
  const own = IoUringRegistrar.create({ slots: 4 })
  result.attachToCreated = code(() => IoUringRegistrar.attach(own.fd, { firstSlot: 2, slots: 4 }))
  result.attachToCreatedMessage = message(() => IoUringRegistrar.attach(own.fd, { firstSlot: 2, slots: 4 }))
  const ring = h.createRing(8)
  const first = IoUringRegistrar.attach(ring.fd, { firstSlot: 0, slots: 4, createTable: true })
  // Not even the same range again: both would think slot 0 theirs.
  result.attachSame = code(() => IoUringRegistrar.attach(ring.fd, { firstSlot: 0, slots: 4 }))
  result.attachOverlap = code(() => IoUringRegistrar.attach(ring.fd, { firstSlot: 3, slots: 1 }))
  // The table is 4 slots long: slot 4 passes its end (EINVAL), but no claim stops it.
  result.attachBeyond = code(() => IoUringRegistrar.attach(ring.fd, { firstSlot: 4, slots: 1 }))
  const pool = new BufferPool({ registration: first, arenaSize: 64 * 1024 })
  const lease = pool.lease(100)
  result.cloneOverlap = code(() => own.cloneInto(ring.fd))
  result.cloneOverlapMessage = message(() => own.cloneInto(ring.fd))
  result.leaseSlot = String(lease.bufferId)
  result.firstInUse = first.slotsInUse
  lease.release()
  await pool.close()
  first.close()
  const again = IoUringRegistrar.attach(ring.fd, { firstSlot: 0, slots: 4 })
  result.attachAfterClose = 'ok'
  again.close()

  // A ring already cloned into.
  const target = h.createRing(8)
  const a = IoUringRegistrar.create({ slots: 2 })
  const b = IoUringRegistrar.create({ slots: 2 })
  a.cloneInto(target.fd)
  result.cloneTwice = code(() => b.cloneInto(target.fd))
  result.cloneSameAgain = code(() => a.cloneInto(target.fd))
  result.attachToCloned = code(() => IoUringRegistrar.attach(target.fd, { firstSlot: 0, slots: 2 }))
  result.cloneIntoOwn = code(() => a.cloneInto(a.fd))
  a.close()
  result.cloneAfterClose = code(() => b.cloneInto(target.fd))

  // Another thread sees the same claims.
  result.workerAttach = await new Promise(resolve => {
    const worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads')
      const { IoUringRegistrar } = require(workerData.lib)
      let code = 'ok'
      try { IoUringRegistrar.attach(workerData.fd, { firstSlot: 0, slots: 1 }) } catch (e) { code = e.code }
      parentPort.postMessage(code)
    `, { eval: true, workerData: { lib: path.join(__dirname, '..', '..', 'lib', 'index.js'), fd: own.fd } })
    worker.once('message', resolve)
    worker.once('error', e => resolve(String(e)))
  })
  b.close()
  own.close()
  h.closeRing(ring)
  h.closeRing(target)
  return result
}

// Item 5a: a failed attach or cloneInto leaves no descriptor behind.
function leak(): unknown {
  const devNull = fs.openSync(os.devNull, 'r')
  const reg = IoUringRegistrar.create({ slots: 1 })
  const codes = new Set<string>()
  const before = openFds()
  for (let i = 0; i < 50; i++) {
    codes.add(code(() => IoUringRegistrar.attach(devNull)))
    codes.add(code(() => reg.cloneInto(devNull)))
  }
  const after = openFds()
  reg.close()
  fs.closeSync(devNull)
  return { before, after, codes: [...codes] }
}

// Item 5c: a SINGLE_ISSUER ring made here, attached to from a worker.
async function singleIssuer(): Promise<unknown> {
  const ring = helper!.createRing(8, IORING_SETUP_SINGLE_ISSUER)
  const seen = await new Promise(resolve => {
    const worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads')
      const { IoUringRegistrar } = require(workerData.lib)
      try {
        IoUringRegistrar.attach(workerData.fd, { slots: 2, createTable: true }).close()
        parentPort.postMessage({ code: 'ok' })
      } catch (e) {
        parentPort.postMessage({ code: e.code, errno: e.errno, syscall: e.syscall, message: e.message })
      }
    `, { eval: true, workerData: { lib: path.join(__dirname, '..', '..', 'lib', 'index.js'), fd: ring.fd } })
    worker.once('message', resolve)
    worker.once('error', e => resolve(String(e)))
  })
  const here = code(() => IoUringRegistrar.attach(ring.fd, { slots: 2, createTable: true }).close())
  helper!.closeRing(ring)
  return { worker: seen, creatingThread: here }
}

const scenarios: Record<string, () => unknown> = { foreign, 'warn-once': warnOnce, slots, leak, 'single-issuer': singleIssuer }
Promise.resolve(scenarios[process.argv[2]!]!()).then(result => console.log(JSON.stringify(result)), error => {
  console.error(error)
  process.exitCode = 1
})
