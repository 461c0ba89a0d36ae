// Run as its own process, by any runtime (scripts/test-bun.js runs it under
// Bun before the suite): what a new user does first, each step printed as it
// completes, so a crash says how far it got. A pool leases, releases and
// closes; so does the handles face; an arena is made and closed; a lease's
// ArrayBuffer moved out by transfer() stays readable after the pool closed;
// with io_uring, a pool over an IoUringRegistrar closes and the registrar
// after it. Prints one JSON line at the end.
import { Arena, BufferPool, IoUringRegistrar, platform } from '../../lib/index.js'

const steps: string[] = []
const step = (name: string) => {
  steps.push(name)
  console.log(`step: ${name}`)
}

async function main(): Promise<void> {
  const pool = new BufferPool({ arenaSize: 64 * 1024 })
  const lease = pool.lease(1500)
  lease.buffer.write('hello')
  const text = lease.buffer.toString('latin1', 0, 5)
  lease.release()
  const handle = pool.handles.lease(100)
  pool.handles.release(handle)
  await pool.close()
  step('pool closed')

  const arena = Arena.create(64 * 1024)
  new Uint8Array(arena.buffer).fill(1)
  arena.close()
  step('arena closed')

  let moved: number | null = null
  const transfer = (ArrayBuffer.prototype as { transfer?: () => ArrayBuffer }).transfer
  if (transfer) {
    const escapes = new BufferPool({ arenaSize: 64 * 1024 })
    const held = escapes.lease(100)
    held.buffer.fill(7, 0, 100)
    const offset = held.buffer.byteOffset
    const out = transfer.call(held.buffer.buffer)
    held.release()
    await escapes.close()
    moved = new Uint8Array(out, offset, 100).reduce((sum, byte) => sum + byte, 0)
    step('transferred view read after close')
  }

  let ioUring = false
  if (platform().ioUring.available) {
    const reg = IoUringRegistrar.create({ slots: 2 })
    const registered = new BufferPool({ registration: reg, arenaSize: 64 * 1024 })
    registered.lease(4096).release()
    await registered.close()
    reg.close()
    ioUring = true
    step('io_uring pool closed')
  }
  console.log(JSON.stringify({ steps, text, moved, ioUring }))
}

main().catch(error => {
  console.error(error)
  process.exit(1)
})
