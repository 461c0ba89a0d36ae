// Real kernel I/O through leases: SQEs on the registrar's ring name each
// lease as { buf_index: lease.bufferId, addr: lease.address }, the way a
// native library would, and the kernel checks both.
import type { ExecutionContext } from 'ava'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { BufferPool, IoUringRegistrar } from '../../lib/index.js'
import { nextTurn } from '../support/doubles.js'
import {
  IORING_CQE_F_MORE,
  IORING_CQE_F_NOTIF,
  fillPattern,
  fixed,
  uring,
  uringClone,
  type Cqe,
  type IoUringHelper,
  type TestRing,
} from '../support/uring-test.js'

const EFAULT = os.constants.errno.EFAULT

function tempFile(t: ExecutionContext, name: string): number {
  const file = path.join(os.tmpdir(), `rbp-${name}-${process.pid}-${Math.random().toString(36).slice(2)}`)
  const fd = fs.openSync(file, 'w+')
  t.teardown(() => {
    fs.closeSync(fd)
    fs.rmSync(file, { force: true })
  })
  return fd
}

/** Reaps without blocking the event loop (a peer in this thread may have to run first). */
async function reapAsync(helper: IoUringHelper, ring: TestRing, min: number, timeoutMs = 5000): Promise<Cqe[]> {
  const deadline = Date.now() + timeoutMs
  const got: Cqe[] = []
  while (got.length < min) {
    got.push(...helper.reap(ring, 0, 0))
    if (got.length >= min) break
    if (Date.now() > deadline) throw new Error(`only ${got.length} of ${min} completions within ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 2))
  }
  return got
}

/** A loopback TCP server on 127.0.0.1 that collects what it is sent, and a client socket fd. */
async function loopback(t: ExecutionContext, helper: IoUringHelper): Promise<{ fd: number; peer: Promise<net.Socket>; received: () => Buffer }> {
  const chunks: Buffer[] = []
  let resolvePeer!: (socket: net.Socket) => void
  const peer = new Promise<net.Socket>(resolve => { resolvePeer = resolve })
  const server = net.createServer(socket => {
    socket.on('data', chunk => chunks.push(chunk))
    resolvePeer(socket)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const fd = helper.tcpConnect((server.address() as net.AddressInfo).port)
  t.teardown(async () => {
    helper.closeFd(fd)
    ;(await peer).destroy()
    server.close()
  })
  return { fd, peer, received: () => Buffer.concat(chunks) }
}

uring('WRITE_FIXED from leases of several size classes and arenas into a file, READ_FIXED back into other leases', (t, helper) => {
  const reg = IoUringRegistrar.create({ slots: 8 })
  const ring = helper.openRing(reg.fd)
  const pool = new BufferPool({ registration: reg, arenaSize: 128 * 1024 })
  const fd = tempFile(t, 'fixed')
  const sizes = [100, 1500, 9000, 65536, 100 * 1024, 3000]

  const sources = sizes.map((size, i) => {
    const lease = pool.lease(size)
    fillPattern(lease.buffer, i + 1)
    return lease
  })
  t.true(new Set(sources.map(l => l.bufferId)).size >= 3, 'the leases span several arenas, so several slots')
  let offset = 0
  const at = sizes.map(size => (offset += size) - size)
  const writes = sources.map((lease, i) => fixed('WRITE_FIXED', fd, lease, i, at[i]))
  const written = helper.submit(ring, writes)
  t.deepEqual(written.map(s => [s.bufIndex, s.addr]), sources.map(l => [l.bufferId, l.address]), 'each SQE carries bufferId and address')
  const wrote = helper.reap(ring, sizes.length, 5000).sort((a, b) => a.userData - b.userData)
  t.deepEqual(wrote.map(c => c.res), sizes)
  t.deepEqual(fs.readFileSync(`/proc/self/fd/${fd}`), Buffer.concat(sources.map(l => l.buffer)))

  const targets = sizes.map(size => pool.lease(size))
  helper.submit(ring, targets.map((lease, i) => fixed('READ_FIXED', fd, lease, 100 + i, at[i])))
  const read = helper.reap(ring, sizes.length, 5000).sort((a, b) => a.userData - b.userData)
  t.deepEqual(read.map(c => c.res), sizes)
  targets.forEach((lease, i) => t.true(lease.buffer.equals(sources[i]!.buffer), `lease of ${sizes[i]} bytes`))

  // The kernel checks addr against the slot: another arena's slot is refused.
  const [a, b] = [targets[0]!, targets.find(l => l.bufferId !== targets[0]!.bufferId)!]
  helper.submit(ring, [{ ...fixed('READ_FIXED', fd, a, 999), bufIndex: b.bufferId! }])
  t.is(helper.reap(ring, 1, 5000)[0]!.res, -EFAULT)

  helper.closeRing(ring)
  for (const lease of [...sources, ...targets]) lease.release()
  return pool.close().then(() => reg.close())
})

uring('SEND_ZC from a fixed buffer over loopback TCP: the lease is retained until the F_NOTIF completion, released only then', async (t, helper) => {
  const reg = IoUringRegistrar.create({ slots: 2 })
  const ring = helper.openRing(reg.fd)
  const pool = new BufferPool({ registration: reg, arenaSize: 64 * 1024 })
  const { fd, received } = await loopback(t, helper)
  const lease = pool.lease(48 * 1024)
  fillPattern(lease.buffer, 7)
  const expected = Buffer.from(lease.buffer)

  lease.retain() // the send's reference
  helper.submit(ring, [fixed('SEND_ZC', fd, lease, 1)])
  let sent = 0
  let notified = false
  const deadline = Date.now() + 5000
  while (!notified) {
    for (const cqe of await reapAsync(helper, ring, 1, deadline - Date.now())) {
      if (cqe.flags & IORING_CQE_F_NOTIF) {
        t.is(lease.refCount, 2, 'still retained by the send when the notification comes')
        lease.release() // only now may the memory be reused
        notified = true
      } else {
        t.true((cqe.flags & IORING_CQE_F_MORE) !== 0, 'the send completion announces a notification')
        t.is(cqe.res, expected.length)
        sent += cqe.res
        t.is(lease.refCount, 2)
      }
    }
  }
  t.is(sent, expected.length)
  while (received().length < expected.length && Date.now() < deadline) await nextTurn()
  t.true(received().equals(expected), 'the bytes arrive intact')
  lease.release()
  helper.closeRing(ring)
  await pool.close()
  reg.close()
})

uring('close() stays pending while a READ_FIXED is in flight; after the last release the slot is empty and naming it fails with EFAULT', async (t, helper) => {
  const reg = IoUringRegistrar.create({ slots: 2 })
  const ring = helper.openRing(reg.fd)
  const pool = new BufferPool({ registration: reg, arenaSize: 64 * 1024 })
  const { fd, peer } = await loopback(t, helper)
  const lease = pool.lease(4096)
  const slot = lease.bufferId!
  const address = lease.address

  lease.retain() // the read's reference
  helper.submit(ring, [fixed('READ_FIXED', fd, lease, 1)])
  lease.release() // the user is done; the kernel is not
  let closed = false
  const closing = pool.close().then(() => { closed = true })
  for (let i = 0; i < 5; i++) await nextTurn()
  t.false(closed, 'pending while the read is in flight')
  t.is(reg.slotsInUse, 1)
  t.deepEqual(helper.reap(ring, 0, 0), [], 'the read is still outstanding')

  const message = Buffer.from('arrived through a fixed buffer')
  ;(await peer).write(message)
  const [cqe] = await reapAsync(helper, ring, 1)
  t.is(cqe!.res, message.length)
  t.true(lease.buffer.subarray(0, message.length).equals(message))
  t.false(closed)
  lease.release()
  await closing
  t.is(reg.slotsInUse, 0, 'the slot was emptied')

  const file = tempFile(t, 'released')
  fs.writeSync(file, Buffer.alloc(4096, 1))
  helper.submit(ring, [{ opcode: 'READ_FIXED', fd: file, addr: address, len: 4096, bufIndex: slot, offset: 0, userData: 2 }])
  t.is(helper.reap(ring, 1, 5000)[0]!.res, -EFAULT, "the kernel's error for an emptied slot")
  helper.closeRing(ring)
  reg.close()
})

uringClone(
  "cloneInto(): another ring's SQEs use the same bufferIds, later arenas reach it too, and deregistering empties it there",
  async (t, helper) => {
    const reg = IoUringRegistrar.create({ slots: 4 })
    const pool = new BufferPool({ registration: reg, arenaSize: 64 * 1024 })
    const first = pool.lease(64 * 1024)
    const other = helper.createRing(8)
    reg.cloneInto(other.fd)
    const second = pool.lease(64 * 1024) // a new arena, registered after the clone
    const fd = tempFile(t, 'clone')
    const data = Buffer.alloc(64 * 1024)
    fillPattern(data, 3)
    fs.writeSync(fd, data, 0, data.length, 0)
    helper.submit(other, [fixed('READ_FIXED', fd, first, 1), fixed('READ_FIXED', fd, second, 2)])
    t.deepEqual(helper.reap(other, 2, 5000).map(c => c.res), [data.length, data.length])
    t.true(first.buffer.equals(data) && second.buffer.equals(data))
    const slot = second.bufferId!
    const address = second.address
    first.release()
    second.release()
    await pool.close()
    helper.submit(other, [{ opcode: 'READ_FIXED', fd, addr: address, len: 4096, bufIndex: slot, offset: 0, userData: 3 }])
    t.is(helper.reap(other, 1, 5000)[0]!.res, -EFAULT, 'emptied in the clone too')
    t.throws(() => reg.cloneInto(fd), { code: 'ENOTSUP', message: /not an io_uring file descriptor/ })
    reg.close()
    helper.closeRing(other)
  })
