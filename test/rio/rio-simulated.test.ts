// RIO registration, end to end, against the SIMULATED provider
// (native/simulated/rio_simulated.cc) of a test build: ids, bookkeeping, and how
// RIORegisterBuffer failures reach JS. The real Winsock table exists only on
// Windows 8+; this runs wherever a simulated build is named by
// RIO_BUFFER_POOL_SIMULATED (npm run test:windows) or built into .simulated/
// (npm test builds it on Linux and macOS), and skips, saying so, elsewhere.
import test, { type ExecutionContext } from 'ava'
import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as util from 'node:util'
import type * as Pool from '../../lib/index.js'
import type * as Native from '../../lib/arenas/native.js'

interface SimulatedRio {
  counters(): { loads: number; unloads: number; registered: number; deregistered: number; deregisterErrors: number; live: number }
  failNextRegister(winerror: number): void
  isRegistered(id: bigint): boolean
  register(address: bigint, length: number): bigint
  deregister(id: bigint): void
  refuseExternalBuffers(on: boolean): void
  readonly invalidBufferId: bigint
}

const localBuild = path.join(__dirname, '..', '..', '..', '.simulated')
const simulatedDir = process.env.RIO_BUFFER_POOL_SIMULATED ??
  (fs.existsSync(path.join(localBuild, 'build', 'Release', 'rio_buffer_pool.node')) ? localBuild : undefined)
// node-gyp-build loads from <RIO_BUFFER_POOL_PREBUILD>/build/Release. Each
// test file has its own process.env, so this reaches only this file's addon,
// and only because lib/ is required after it.
if (simulatedDir) process.env.RIO_BUFFER_POOL_PREBUILD = simulatedDir
/* eslint-disable @typescript-eslint/no-require-imports */
const { Arena, platform } = require('../../lib/index.js') as typeof Pool
const { binding } = require('../../lib/arenas/native.js') as typeof Native
/* eslint-enable @typescript-eslint/no-require-imports */

const sim = (binding as { simulatedRio?: SimulatedRio }).simulatedRio
const skipReason = sim
  ? null
  : simulatedDir
    ? `RIO_BUFFER_POOL_SIMULATED=${simulatedDir} did not load a simulated-RIO build`
    : 'needs the simulated-RIO test build, which npm test makes on Linux and macOS only'

// Serial: the counters are the simulation's, shared by every test here.
function simulated(title: string, fn: (t: ExecutionContext, sim: SimulatedRio) => void | Promise<void>): void {
  if (sim) test.serial(title, t => fn(t, sim))
  else test.serial.skip(`${title} [skipped: ${skipReason}]`, () => {})
}

const WSAEFAULT = 10014
const WSAEINVAL = 10022
const WSAENOBUFS = 10055
const ERROR_WORKING_SET_QUOTA = 1453
const RIO_INVALID_BUFFERID = 0xFFFFFFFFn

const granularity = () => platform().allocationGranularity

simulated('platform().rio reports the simulated provider as available', (t, sim) => {
  t.deepEqual(platform().rio, { available: true })
  t.true(sim.counters().loads >= 1)
})

simulated("registration 'required' gives a bigint buffer id that is not RIO_INVALID_BUFFERID", (t, sim) => {
  const arena = Arena.create(granularity(), { registration: 'required' })
  t.is(arena.registration, 'rio')
  t.is(typeof arena.bufferId, 'bigint')
  t.not(arena.bufferId, RIO_INVALID_BUFFERID) // the one documented invalid id; 0 may be a valid one
  t.true(sim.isRegistered(arena.bufferId!))
  arena.close()
})

simulated('the native sentinel is RIO_INVALID_BUFFERID exactly: (RIO_BUFFERID)(ULONG_PTR)0xFFFFFFFF, neither ~0 nor 0', (t, sim) => {
  t.is(sim.invalidBufferId, 0xFFFFFFFFn) // a literal, not the shared constant
})

simulated("registration 'auto' registers where RIO is available", (t, sim) => {
  const arena = Arena.create(granularity())
  t.is(arena.registration, 'rio')
  t.true(sim.isRegistered(arena.bufferId!))
  arena.close()
})

simulated('two arenas get distinct buffer ids', t => {
  const a = Arena.create(granularity(), { registration: 'required' })
  const b = Arena.create(granularity(), { registration: 'required' })
  t.not(a.bufferId, b.bufferId)
  a.close()
  b.close()
})

simulated('live registrations go up with each arena and down with each close()', (t, sim) => {
  const before = sim.counters()
  const a = Arena.create(granularity(), { registration: 'required' })
  t.is(sim.counters().live, before.live + 1)
  const b = Arena.create(2 * granularity(), { registration: 'required' })
  t.is(sim.counters().live, before.live + 2)
  a.close()
  t.is(sim.counters().live, before.live + 1)
  t.false(sim.isRegistered(a.bufferId!))
  t.true(sim.isRegistered(b.bufferId!))
  b.close()
  t.like(sim.counters(), {
    live: before.live,
    registered: before.registered + 2,
    deregistered: before.deregistered + 2,
    deregisterErrors: before.deregisterErrors,
  })
})

simulated('close() deregisters exactly once, however often it is called', (t, sim) => {
  const before = sim.counters()
  const arena = Arena.create(granularity(), { registration: 'required' })
  arena.close()
  arena.close()
  t.like(sim.counters(), { live: before.live, deregistered: before.deregistered + 1, deregisterErrors: before.deregisterErrors })
})

simulated("registration 'off' and a custom Registrar leave RIO alone", (t, sim) => {
  const before = sim.counters()
  const off = Arena.create(granularity(), { registration: 'off' })
  const custom = Arena.create(granularity(), { registration: { register: () => 7n, deregister: () => {} } })
  t.is(off.bufferId, null)
  t.is(custom.bufferId, 7n)
  off.close()
  custom.close()
  t.like(sim.counters(), { registered: before.registered, deregistered: before.deregistered })
})

/** Virtual size of this process, where /proc tells; null elsewhere. */
function virtualBytes(): number | null {
  try {
    const kib = /^VmSize:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))
    return kib ? Number(kib[1]) * 1024 : null
  } catch {
    return null
  }
}

async function settle(): Promise<void> {
  // The arena's memory is unmapped when V8 drops the backing store, a turn later.
  await new Promise(resolve => setImmediate(resolve))
  await new Promise(resolve => setImmediate(resolve))
}

for (const { winerror, name, code } of [
  { winerror: WSAENOBUFS, name: 'WSAENOBUFS', code: 'ENOBUFS' },
  { winerror: ERROR_WORKING_SET_QUOTA, name: 'ERROR_WORKING_SET_QUOTA', code: 'ENOMEM' },
]) {
  simulated(`a RIORegisterBuffer failure with ${name} (${winerror}) throws ${code} and leaves no registration or memory behind`, async (t, sim) => {
    const size = 256 * 1024 * 1024
    const rounds = 8
    const before = sim.counters()
    const mappedBefore = virtualBytes()
    for (let i = 0; i < rounds; i++) {
      sim.failNextRegister(winerror)
      const error = t.throws(() => Arena.create(size, { registration: 'required' })) as Error & Record<string, unknown>
      t.like(error, { code, winerror, syscall: 'RIORegisterBuffer' })
      t.is(util.getSystemErrorName(error.errno as number), code)
      t.regex(error.message, new RegExp(`RIORegisterBuffer failed with ${code}`))
    }
    t.like(sim.counters(), { live: before.live, registered: before.registered, deregisterErrors: before.deregisterErrors })
    await settle()
    const mappedAfter = virtualBytes()
    if (mappedBefore === null || mappedAfter === null) {
      t.log('no /proc/self/status here: the unmapping is not measured')
    } else {
      const grown = mappedAfter - mappedBefore
      t.true(grown < (rounds * size) / 2, `virtual size grew by ${Math.round(grown / 1048576)} MiB over ${rounds} failed ${size / 1048576} MiB arenas`)
    }
  })
}

simulated('a forced failure fails one registration only', (t, sim) => {
  sim.failNextRegister(WSAENOBUFS)
  t.throws(() => Arena.create(granularity(), { registration: 'required' }), { code: 'ENOBUFS' })
  const arena = Arena.create(granularity(), { registration: 'required' })
  t.is(arena.registration, 'rio')
  arena.close()
})

simulated('the simulation checks arguments as RIORegisterBuffer is documented to', (t, sim) => {
  const arena = Arena.create(granularity(), { registration: 'off' })
  t.like(t.throws(() => sim.register(0n, 4096)), { code: 'EFAULT', winerror: WSAEFAULT })
  t.like(t.throws(() => sim.register(arena.address, 0)), { code: 'EINVAL', winerror: WSAEINVAL })
  // The first 64 KiB of the address space is never mapped (Linux, macOS, Windows).
  t.like(t.throws(() => sim.register(4096n, 4096)), { code: 'EFAULT', winerror: WSAEFAULT })
  const id = sim.register(arena.address, arena.size)
  t.true(sim.isRegistered(id))
  sim.deregister(id)
  arena.close()
})

simulated('deregistering an id that is not live is counted, not fatal', (t, sim) => {
  const before = sim.counters().deregisterErrors
  sim.deregister(0x1234n)
  t.is(sim.counters().deregisterErrors, before + 1)
})

simulated('where external buffers are refused (Electron), arenas live in V8-owned memory, page aligned, never registered (a transfer could free them), detached at close', (t, sim) => {
  sim.refuseExternalBuffers(true)
  try {
    const { pageSize } = platform()
    const live = sim.counters().live
    const refused = t.throws(() => Arena.create(3 * granularity(), { registration: 'required' }))
    t.is((refused as { code?: string }).code, 'RIOPOOL_UNREGISTRABLE')
    t.is(sim.counters().live, live, 'nothing was registered')
    const arena = Arena.create(3 * granularity())
    t.is(arena.registration, 'none')
    t.is(arena.bufferId, null)
    t.is(sim.counters().live, live)
    t.is(arena.address % BigInt(pageSize), 0n)
    t.is(arena.buffer.length, arena.size)
    // The arena is aligned inside an ArrayBuffer one page larger than it.
    t.true(arena.buffer.byteOffset < pageSize)
    t.is(arena.buffer.buffer.byteLength, arena.size + pageSize)
    arena.buffer.fill(0x3c)
    const view = arena.buffer.subarray(10, 20)
    arena.close()
    t.is(view.length, 0)
    t.is(arena.buffer.length, 0)
  } finally {
    sim.refuseExternalBuffers(false)
  }
})

function runUnloadFixture(args: string[]): { stdout: Promise<string>; events: () => string[] } {
  const script = path.join(__dirname, '..', 'programs', 'rio-unload.js')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rio-unload-'))
  const log = path.join(dir, 'events.txt')
  const env = { ...process.env, RIO_BUFFER_POOL_PREBUILD: simulatedDir, RIO_BUFFER_POOL_SIMULATED_LOG: log }
  const stdout = new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', script, ...args], { env },
      (error, out, err) => error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out))
  })
  return {
    stdout,
    events: () => {
      const events = fs.readFileSync(log, 'utf8').trim().split(/\r?\n/) // CRLF on Windows
      fs.rmSync(dir, { recursive: true })
      return events
    },
  }
}

simulated('WSACleanup is not called while a registration is live, even after the last environment has gone', async t => {
  const run = runUnloadFixture(['registration-outlives-env'])
  t.deepEqual(JSON.parse(await run.stdout), { live: 1 })
  const events = run.events()
  t.log(events.join(' '))
  t.deepEqual(events, ['load', 'register'])
})

simulated('WSACleanup balance: the simulation is unloaded exactly as often as loaded, and only after the last environment and the last registration (one left to teardown) have gone; an arena dropped without close() is deregistered by its finalizer', async t => {
  const run = runUnloadFixture([])
  const { workerExit, afterDrop } = JSON.parse(await run.stdout) as { workerExit: number; afterDrop: Record<string, number> }
  const events = run.events()
  t.log(events.join(' '))
  t.is(workerExit, 0)
  // By then: 3 registered here (1 closed, 1 dropped, 1 open), 2 in the worker (1 closed, 1 undone at its exit).
  t.like(afterDrop, { registered: 5, deregistered: 4, live: 1, deregisterErrors: 0, unloads: 0 })
  const count = (event: string) => events.filter(e => e === event).length
  t.is(count('register'), 5)
  t.is(count('deregister'), 5, 'every registration undone, the ones left open by their teardown')
  t.is(count('deregister-unknown'), 0)
  t.true(count('load') >= 1)
  t.is(count('unload'), count('load'), 'WSACleanup as often as WSAStartup')
  t.is(events.at(-1), 'unload', 'the last unload comes after the last deregistration')
  t.is(events.indexOf('unload'), events.length - 1, 'no unload while an environment or a registration remained')
})
