// One worker of io-uring-workers.ts, until it is terminated:
// - attach: a ring of its own, a registrar attached to it, a pool over
//   that; a READ_FIXED left in flight on a socket that never gets data; then
//   WRITE_FIXED/READ_FIXED rounds through a file, checked byte for byte;
// - clone: a bare ring of its own, into which the main thread clones its
//   registrar's slots; then WRITE_FIXED rounds from the main thread's lease
//   (named by its bufferId and address) into a file, checked byte for byte.
import * as fs from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { BufferPool, IoUringRegistrar } from '../../lib/index.js'
import { fillPattern, fixed, helper } from '../support/io-uring-ring.js'

interface Shared {
  bufferId: bigint
  address: bigint
  length: number
  seed: number
}

const { file, port, id, shared } = workerData as { file: string; port: number; id: number; shared?: Shared }

const turn = () => new Promise(resolve => setImmediate(resolve))

async function cloned({ bufferId, address, length, seed }: Shared): Promise<void> {
  const ring = helper!.createRing(16)
  const ready = new Promise(resolve => parentPort!.once('message', resolve))
  parentPort!.postMessage({ ringFd: ring.fd })
  await ready // the main thread has cloned its slots into our ring
  const expected = Buffer.alloc(length)
  fillPattern(expected, seed)
  const fd = fs.openSync(file, 'w+')
  const back = Buffer.alloc(length)
  for (let round = 1; ; round++) {
    helper!.submit(ring, [{ opcode: 'WRITE_FIXED', fd, addr: address, len: length, bufIndex: bufferId, offset: 0, userData: round }])
    const [wrote] = helper!.reap(ring, 1, 5000)
    fs.readSync(fd, back, 0, length, 0)
    if (wrote?.res !== length || !back.equals(expected)) throw new Error(`worker ${id}: WRITE_FIXED from the shared lease gave ${wrote?.res}, bytes differ`)
    parentPort!.postMessage(round)
    await turn()
  }
}

async function attached(): Promise<void> {
  const ring = helper!.createRing(16)
  const reg = IoUringRegistrar.attach(ring.fd, { createTable: true, slots: 4 })
  const pool = new BufferPool({ registration: reg, arenaSize: 64 * 1024 })
  const socket = helper!.tcpConnect(port)
  const stuck = pool.lease(4096)
  helper!.submit(ring, [fixed('READ_FIXED', socket, stuck, 0)]) // in flight until the worker dies
  const fd = fs.openSync(file, 'w+')
  for (let round = 1; ; round++) {
    const size = 100 + ((round * 977 + id * 131) % 60000)
    const out = pool.lease(size)
    fillPattern(out.buffer, round + id)
    helper!.submit(ring, [fixed('WRITE_FIXED', fd, out, 1)])
    const [wrote] = helper!.reap(ring, 1, 5000)
    if (wrote?.res !== size) throw new Error(`worker ${id}: WRITE_FIXED gave ${wrote?.res}`)
    const back = pool.lease(size)
    helper!.submit(ring, [fixed('READ_FIXED', fd, back, 2)])
    const [read] = helper!.reap(ring, 1, 5000)
    if (read?.res !== size || !back.buffer.equals(out.buffer)) throw new Error(`worker ${id}: READ_FIXED gave ${read?.res}, bytes differ`)
    out.release()
    back.release()
    parentPort!.postMessage(round)
    await turn()
  }
}

;(shared ? cloned(shared) : attached()).catch(error => {
  parentPort!.postMessage({ error: String(error) })
})
