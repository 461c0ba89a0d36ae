// Registered I/O for real: arenas registered with Winsock, and leases carried
// through RIOSend/RIOReceive over loopback UDP by the test-only helper in
// test/native (npm test builds it on Windows). These run where RIO exists,
// the Windows CI jobs; elsewhere they skip with the reason in the title. A
// Windows job sets RIO_BUFFER_POOL_EXPECT_RIO=1, which turns such a skip into
// a failure. Under Wine (npm run test:windows) RIO is missing but the helper
// is cross-built, so its own argument checks and error path still run.
//
// RIO_BUF lifetime (the RIOSend/RIOReceive remarks): a RIO_BUF given to a
// pending request is neither passed again nor changed until it completes.
// The helper keeps one RIO_BUF slot per request for as long as it may be
// pending, and these tests touch a lease's bytes only between exchanges.
import test, { type ExecutionContext } from 'ava'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { BufferPool, platform, type Lease } from '../../lib/index.js'
import { nextTurn } from '../support/doubles.js'

/** The fields of a RIO_BUF. */
interface RioRegion {
  bufferId: bigint
  offset: number
  length: number
}

interface Exchange {
  sendStatus: number
  sendBytes: number
  receiveStatus: number
  receiveBytes: number
}

/** test/native/binding.cc: `count` connected socket pairs, kept open between exchanges. */
interface LoopbackPairs {
  readonly count: number
  /** One receive per pair posted, then one send per pair; a failure or timeout closes the pairs. */
  exchange(sends: RioRegion[], receives: RioRegion[], timeoutMs?: number): Exchange[]
  close(): void
}

/** test/native/binding.cc */
interface RioLoopback {
  readonly maxSendLength: number
  sendReceive(send: RioRegion, receive: RioRegion, timeoutMs?: number): Exchange
  LoopbackPairs: new (count: number) => LoopbackPairs
}

const RIO_INVALID_BUFFERID = 0xFFFFFFFFn
const WSAEFAULT = 10014
const root = path.join(__dirname, '..', '..', '..')
const helperDir = process.env.RIO_BUFFER_POOL_TEST_HELPERS ?? path.join(root, 'test', 'native')
const helperFile = path.join(helperDir, 'build', 'Release', 'rio_loopback.node')
// A helper that is there but does not load is a broken build: let it throw.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loopback = fs.existsSync(helperFile) ? (require(helperFile) as RioLoopback) : undefined

const rio = platform().rio
const noRio = rio.available ? null : 'needs real RIO (Windows 8+)'
const noHelper = loopback ? null : 'needs the test/native helper, which npm test builds on Windows only'
const expectRio = process.env.RIO_BUFFER_POOL_EXPECT_RIO === '1'

/**
 * A test that runs only when nothing in `reasons` stands in its way; else it
 * is skipped, saying why, or fails where RIO_BUFFER_POOL_EXPECT_RIO=1.
 */
function when(reasons: Array<string | null>, title: string, fn: (t: ExecutionContext) => void | Promise<void>, run: typeof test.serial = test): void {
  const reason = reasons.find(r => r !== null)
  if (reason === undefined) run(title, fn)
  else if (expectRio) run(title, t => t.fail(`RIO_BUFFER_POOL_EXPECT_RIO=1, but this ${reason}`))
  else run.skip(`${title} (skipped: ${reason})`, fn)
}

/** A test of real I/O through the helper. */
function io(title: string, fn: (t: ExecutionContext, loopback: RioLoopback) => void | Promise<void>, run: typeof test.serial = test): void {
  when([noRio, noHelper], title, t => fn(t, loopback!), run)
}

/** A test of the helper where RIO is missing (Wine); never a failure where RIO is expected. */
function withoutRio(title: string, fn: (t: ExecutionContext) => void): void {
  const reason = noHelper ?? (rio.available ? 'runs only where RIO is unavailable, as under Wine' : null)
  if (reason === null) test(title, fn)
  else test.skip(`${title} (skipped: ${reason})`, fn)
}

function region(lease: Lease): RioRegion {
  return { bufferId: lease.bufferId!, offset: lease.offset, length: lease.length }
}

/** Bytes no zero-filled or stale buffer would hold by chance. */
function fillPattern(buffer: Buffer, seed: number): void {
  for (let i = 0; i < buffer.length; i++) buffer[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff
}

const delivered = (bytes: number): Exchange => ({ sendStatus: 0, sendBytes: bytes, receiveStatus: 0, receiveBytes: bytes })

// ---- registration ---------------------------------------------------------

when([noRio], "registration 'required': a lease carries its arena's RIO_BUFFERID, a bigint that is not RIO_INVALID_BUFFERID, and toRioBuf() writes it", async t => {
  const pool = new BufferPool({ registration: 'required' })
  const lease = pool.lease(1500)
  const id = lease.bufferId
  t.is(typeof id, 'bigint')
  t.not(id, RIO_INVALID_BUFFERID) // the one documented invalid id; 0 may be a valid one
  t.is(lease.arena.registration, 'rio')
  t.is(lease.arena.bufferId, id)
  const buf = Buffer.from(lease.toRioBuf())
  t.is(buf.length, 16)
  t.is(buf.readBigUInt64LE(0), id as bigint)
  t.is(buf.readUInt32LE(8), lease.offset)
  t.is(buf.readUInt32LE(12), lease.length)
  lease.release()
  await pool.close()
})

when([noRio], "registration 'auto' registers with RIO where it exists", async t => {
  const pool = new BufferPool()
  const lease = pool.lease(100)
  t.is(lease.arena.registration, 'rio')
  t.is(typeof lease.bufferId, 'bigint')
  t.not(lease.bufferId, RIO_INVALID_BUFFERID)
  lease.release()
  await pool.close()
})

// ---- I/O ------------------------------------------------------------------

io('a lease sent with RIOSend arrives byte for byte in a lease posted with RIOReceive', async (t, loopback) => {
  const pool = new BufferPool({ registration: 'required' })
  for (const size of [1, 64, 1000, 1472, 4096, 20000, loopback.maxSendLength]) {
    const send = pool.lease(size)
    // Longer than the datagram: RIO must write exactly `size` bytes at the lease's offset.
    const receive = pool.lease(size + 100)
    fillPattern(send.buffer, size)
    receive.buffer.fill(0xee)
    t.not(send.bufferId, RIO_INVALID_BUFFERID)
    t.deepEqual(loopback.sendReceive(region(send), region(receive)), delivered(size), `${size} bytes`)
    t.true(receive.buffer.subarray(0, size).equals(send.buffer), `${size} bytes arrive intact`)
    t.true(receive.buffer.subarray(size).every(b => b === 0xee), `nothing is written past ${size} bytes`)
    send.release()
    receive.release()
  }
  await pool.close()
})

io('I/O crosses arenas: each lease names its own registration, and a range inside a lease works as well as the whole', async (t, loopback) => {
  const granularity = platform().allocationGranularity
  const pool = new BufferPool({ registration: 'required', arenaSize: granularity })
  const whole = pool.lease(granularity) // fills the first arena
  const small = pool.lease(4096) // so this one opens a second
  t.not(whole.arena, small.arena)
  t.not(whole.bufferId, small.bufferId)

  fillPattern(small.buffer, 1)
  whole.buffer.fill(0)
  t.deepEqual(loopback.sendReceive(region(small), region(whole)), delivered(4096))
  t.true(whole.buffer.subarray(0, 4096).equals(small.buffer))

  // Back again, from the middle of the first arena.
  const at = 30000
  fillPattern(whole.buffer.subarray(at, at + 4096), 2)
  small.buffer.fill(0)
  const slice = { bufferId: whole.bufferId!, offset: whole.offset + at, length: 4096 }
  t.deepEqual(loopback.sendReceive(slice, region(small)), delivered(4096))
  t.true(small.buffer.equals(whole.buffer.subarray(at, at + 4096)))

  whole.release()
  small.release()
  await pool.close()
})

io('close() waits for a lease still held by I/O: the arena stays registered, and usable by RIO, until the last release', async (t, loopback) => {
  const pool = new BufferPool({ registration: 'required' })
  const send = pool.lease(512)
  const receive = pool.lease(512)
  const arena = receive.arena
  const id = receive.bufferId
  receive.retain() // the reference a posted RIOReceive holds
  receive.release() // the caller's own

  let settled = false
  const closing = pool.close().finally(() => { settled = true })
  await nextTurn()
  await nextTurn()
  t.false(settled, 'close() is still waiting')
  t.false(arena.closed, 'the arena is not deregistered')
  t.is(receive.bufferId, id)

  // Winsock agrees: the registration still carries I/O.
  fillPattern(send.buffer, 3)
  t.deepEqual(loopback.sendReceive(region(send), region(receive)), delivered(512))
  t.true(receive.buffer.equals(send.buffer))

  send.release()
  await nextTurn()
  t.false(settled, 'one lease is still out')
  t.false(arena.closed)
  receive.release() // the I/O "completed"
  await closing
  t.true(settled)
  t.true(arena.closed, 'deregistered and freed once the last lease went')
})

// Serial: AVA runs serial tests before the concurrent ones, so between this
// close() and the send no other test registers anything in this process;
// an id Winsock handed to a newer registration would make the send succeed
// for the wrong reason. The registration the receive uses was made before
// the close, so it cannot be the old id reused.
io('after the pool closes, a RIOSend naming its old BufferId fails with WSAEFAULT: Winsock deregistered it', async (t, loopback) => {
  const receiver = new BufferPool({ registration: 'required' })
  const into = receiver.lease(512)
  const pool = new BufferPool({ registration: 'required' })
  const lease = pool.lease(512)
  const old = region(lease)
  const { arena } = lease
  t.not(old.bufferId, into.bufferId)
  fillPattern(lease.buffer, 4)
  t.deepEqual(loopback.sendReceive(old, region(into)), delivered(512), 'registered, it sends')

  lease.release()
  await pool.close()
  t.true(arena.closed)
  const error = t.throws(() => loopback.sendReceive(old, region(into), 2000)) as Error & Record<string, unknown>
  t.like(error, { winerror: WSAEFAULT, syscall: 'RIOSend' }, error?.message)

  // The receiver's registration is untouched by the other's close.
  fillPattern(into.buffer, 5)
  const again = receiver.lease(512)
  t.deepEqual(loopback.sendReceive(region(into), region(again)), delivered(512))
  t.true(again.buffer.equals(into.buffer))
  into.release()
  again.release()
  await receiver.close()
}, test.serial)

// ---- concurrency on one registration -------------------------------------

const PAIRS = 64
const ROUNDS = 160 // 64 x 160 = 10,240 messages
const LEASE_SIZE = 2048
const STRESS_BUDGET_MS = 60_000

/** Where a received lease differs from what its pair sent, or null. */
function firstMismatch(sent: Buffer, received: Buffer, length: number): string | null {
  for (let i = 0; i < received.length; i++) {
    const expected = i < length ? sent[i]! : 0xee // past the datagram: untouched
    if (received[i] !== expected) return `byte ${i} of ${length} is 0x${received[i]!.toString(16)}, expected 0x${expected.toString(16)}`
  }
  return null
}

// Tests the open question of MicrosoftDocs/sdk-api PR 860 (concurrent
// operations on one registered buffer "may corrupt memory") against the
// documented advice to slice one big registration. If this ever fails on
// Windows, the pool needs a one-registration-per-slab mode.
io(`${PAIRS} concurrent RIOReceive/RIOSend pairs, each from its own lease in one arena (one BufferId): ${PAIRS * ROUNDS} messages, every byte verified`, async (t, loopback) => {
  const pool = new BufferPool({ registration: 'required', arenaSize: 1024 * 1024 })
  const sends = Array.from({ length: PAIRS }, () => pool.lease(LEASE_SIZE))
  const receives = Array.from({ length: PAIRS }, () => pool.lease(LEASE_SIZE))
  const arena = sends[0]!.arena
  t.true([...sends, ...receives].every(l => l.arena === arena && l.bufferId === arena.bufferId), 'one arena, one BufferId')
  const pairs = new loopback.LoopbackPairs(PAIRS)
  const deadline = Date.now() + STRESS_BUDGET_MS
  let messages = 0
  try {
    for (let round = 0; round < ROUNDS; round++) {
      if (Date.now() > deadline) return t.fail(`only ${round} of ${ROUNDS} rounds within ${STRESS_BUDGET_MS} ms`)
      // Lengths vary by pair and round, so a datagram in the wrong lease, or
      // written past its length, cannot match by chance.
      const lengths = sends.map((_, i) => 1 + ((round * 977 + i * 131) % LEASE_SIZE))
      sends.forEach((lease, i) => fillPattern(lease.buffer, round * PAIRS + i))
      receives.forEach(lease => lease.buffer.fill(0xee))
      const results = pairs.exchange(
        sends.map((lease, i) => ({ ...region(lease), length: lengths[i]! })),
        receives.map(region),
        10_000)
      for (let i = 0; i < PAIRS; i++) {
        const where = `round ${round}, lease ${i} (receive at offset ${receives[i]!.offset}, sent from offset ${sends[i]!.offset})`
        if (results[i]!.sendStatus !== 0 || results[i]!.receiveStatus !== 0 || results[i]!.receiveBytes !== lengths[i]) {
          return t.fail(`${where}: ${JSON.stringify(results[i])}, expected ${lengths[i]} bytes delivered`)
        }
        const mismatch = firstMismatch(sends[i]!.buffer, receives[i]!.buffer, lengths[i]!)
        if (mismatch !== null) return t.fail(`${where}: ${mismatch}`)
        messages++
      }
    }
  } finally {
    pairs.close()
    for (const lease of [...sends, ...receives]) lease.release()
    await pool.close()
  }
  t.is(messages, PAIRS * ROUNDS)
  t.log(`${messages} messages over ${PAIRS} pairs on BufferId ${arena.bufferId}`)
})

// ---- the helper itself ----------------------------------------------------

when([noHelper], 'the loopback helper checks every argument before it touches Winsock', t => {
  const ok = { bufferId: 0x1234n, offset: 0, length: 100 }
  const call = (send: unknown, receive: unknown = ok, ...rest: unknown[]) => () =>
    (loopback!.sendReceive as (...args: unknown[]) => Exchange)(send, receive, ...rest)
  const type = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' }
  const value = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' }
  const range = { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' }

  t.throws(call(undefined), { ...type, message: /"send"/ })
  t.throws(call(null), type)
  t.throws(call(ok, 7), { ...type, message: /"receive"/ })
  t.throws(call({ ...ok, bufferId: 0x1234 }), { ...type, message: /"send\.bufferId"/ })
  t.throws(call({ ...ok, bufferId: -1n }), { ...range, message: /"send\.bufferId"/ })
  t.throws(call({ ...ok, bufferId: 2n ** 64n }), range)
  t.throws(call({ ...ok, bufferId: RIO_INVALID_BUFFERID }), { ...value, message: /RIO_INVALID_BUFFERID/ })
  t.throws(call(ok, { ...ok, bufferId: RIO_INVALID_BUFFERID }), { ...value, message: /'receive\.bufferId'/ })
  t.throws(call({ ...ok, offset: '0' }), { ...type, message: /"send\.offset"/ })
  for (const offset of [-1, 1.5, NaN, Infinity, 2 ** 32]) t.throws(call({ ...ok, offset }), range, `offset ${offset}`)
  t.throws(call({ ...ok, length: undefined }), type)
  for (const length of [0, -1, 0.5, loopback!.maxSendLength + 1]) t.throws(call({ ...ok, length }), range, `send length ${length}`)
  t.throws(call(ok, { ...ok, length: 0 }), { ...range, message: /"receive\.length"/ })
  t.throws(call(ok, { ...ok, offset: 2 ** 32 - 10, length: 11 }), range, 'offset + length beyond 4 GiB')
  t.throws(call(ok, ok, '5'), { ...type, message: /"timeoutMs"/ })
  for (const timeout of [0, 1.5, 60001]) t.throws(call(ok, ok, timeout), range, `timeoutMs ${timeout}`)
  t.is(loopback!.maxSendLength, 65507)
  for (const count of [0, 1.5, 257]) t.throws(() => new loopback!.LoopbackPairs(count), range, `count ${count}`)
  t.throws(() => new loopback!.LoopbackPairs('2' as never), { ...type, message: /"count"/ })
})

withoutRio("without RIO the helper fails as the pool's probe did, and cleanly every time", t => {
  const ok = { bufferId: 0x1234n, offset: 0, length: 100 }
  for (let i = 0; i < 20; i++) {
    const error = t.throws(() => loopback!.sendReceive(ok, ok)) as Error & Record<string, unknown>
    t.like(error, { ...rio.error, syscall: 'WSAIoctl' })
  }
  t.like(t.throws(() => new loopback!.LoopbackPairs(64)), { ...rio.error, syscall: 'WSAIoctl' })
  t.deepEqual(platform().rio, rio)
})

test('the helper is test-only: neither the package files nor the addon build name test/', t => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] }
  for (const entry of pkg.files) t.false(/^(\.\/)?(test|dist\/test)(\/|$)/.test(entry), `"files" entry ${entry}`)
  t.false(fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8').includes('test/'))
})
