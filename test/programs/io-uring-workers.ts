// Run as its own process: 4 workers run io_uring I/O through leases
// (io-uring-worker.ts), each on its own ring: with argv[2]
// 'attach', each with its own registrar and pool and a read left in flight;
// with 'clone', from leases of the main thread's pool, whose registrar is
// cloned into each worker's ring. They are terminated one at a time, in
// random order, while the others keep going; the process must survive every
// termination and the others must keep making progress. Prints, as JSON,
// the rounds each worker completed, io_uring descriptors left at each
// stage (those of rings this program made, not libuv's), and the main
// thread's own I/O at the end.
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { Worker } from 'node:worker_threads'
import { BufferPool, IoUringRegistrar } from '../../lib/index.js'
import { fillPattern, fixed, helper } from '../support/io-uring-ring.js'
import { until } from '../support/until.js'

const WORKERS = 4


// Descriptors of rings this program made: the package's registrars' and the
// test helper's rings, each with a registered-buffer table. libuv makes
// rings of its own (Node 26's, several per event loop) and registers no
// buffers in them, so they are not counted. The kernel prints UserBufs in a
// ring's fdinfo only when it gets the ring's lock at once, so a busy ring is
// read again.
function ownedRing(fd: string): boolean {
  try {
    if (fs.readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:[io_uring]') return false
    for (let attempt = 0; attempt < 1000; attempt++) {
      const bufs = /^UserBufs:\s*(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))
      if (bufs) return Number(bufs[1]) > 0
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1)
    }
    throw new Error(`fdinfo of io_uring descriptor ${fd} never showed UserBufs`)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false // the directory's own descriptor, gone by now
    throw error
  }
}

function ringDescriptors(): number {
  return fs.readdirSync('/proc/self/fd').filter(ownedRing).length
}

async function main(): Promise<void> {
  const peers: net.Socket[] = []
  const server = net.createServer(socket => peers.push(socket)) // never writes: the workers' reads stay in flight
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbp-workers-'))
  const rounds = new Array<number>(WORKERS).fill(0)
  const errors: string[] = []
  const clone = process.argv[2] === 'clone'
  const sharedReg = clone ? IoUringRegistrar.create({ slots: 4 }) : null
  const sharedPool = sharedReg && new BufferPool({ registration: sharedReg, arenaSize: 64 * 1024 })
  const sharedLeases = sharedPool ? Array.from({ length: WORKERS }, (_, i) => sharedPool.lease(8192 + 1000 * i)) : []
  const workers = Array.from({ length: WORKERS }, (_, id) => {
    const lease = sharedLeases[id]
    if (lease) fillPattern(lease.buffer, 50 + id)
    const shared = lease && { bufferId: lease.bufferId, address: lease.address, length: lease.length, seed: 50 + id }
    const worker = new Worker(path.join(__dirname, 'io-uring-worker.js'), { workerData: { file: path.join(dir, `w${id}`), port, id, shared } })
    worker.on('message', (m: number | { error: string } | { ringFd: number }) => {
      if (typeof m === 'number') rounds[id] = m
      else if ('ringFd' in m) {
        sharedReg!.cloneInto(m.ringFd)
        worker.postMessage('cloned')
      } else errors.push(m.error)
    })
    worker.on('error', error => errors.push(String(error)))
    return worker
  })
  await until(() => rounds.every(r => r >= 20) || errors.length > 0, 'every worker to run 20 rounds')

  const ringsBefore = ringDescriptors()
  const order = [...workers.keys()].sort(() => Math.random() - 0.5)
  const alive = new Set(workers.keys())
  for (const id of order) {
    await workers[id]!.terminate()
    alive.delete(id)
    const before = [...alive].map(i => rounds[i]!)
    await until(() => [...alive].every((i, k) => rounds[i]! >= before[k]! + 5) || errors.length > 0, 'the others to keep going')
  }

  // Every ring descriptor of the workers (theirs, their registrars') was
  // closed when their environments went; the shared registrar's own
  // descriptors of their rings (clone targets) go with its close().
  const ringsLeft = ringDescriptors()
  for (const lease of sharedLeases) lease.release()
  await sharedPool?.close()
  sharedReg?.close()
  const ringsAfterClose = ringDescriptors()

  // The main thread's own ring still works after all that.
  const reg = IoUringRegistrar.create({ slots: 2 })
  const ring = helper!.openRing(reg.fd)
  const pool = new BufferPool({ registration: reg, arenaSize: 64 * 1024 })
  const lease = pool.lease(5000)
  fillPattern(lease.buffer, 9)
  const fd = fs.openSync(path.join(dir, 'main'), 'w+')
  helper!.submit(ring, [fixed('WRITE_FIXED', fd, lease, 1)])
  const [cqe] = helper!.reap(ring, 1, 5000)
  fs.closeSync(fd)
  lease.release()
  helper!.closeRing(ring)
  await pool.close()
  reg.close()
  for (const peer of peers) peer.destroy()
  server.close()
  fs.rmSync(dir, { recursive: true, force: true })
  process.stdout.write(JSON.stringify({ rounds, order, errors, ringsBefore, ringsLeft, ringsAfterClose, mainWrite: cqe?.res }))
}

main().catch(error => {
  console.error(error)
  process.exit(1)
})
