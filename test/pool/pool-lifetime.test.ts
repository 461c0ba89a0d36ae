// A pool's lifetime at its edges: dropped without close(), and closed while
// its leases are released from every kind of task in random order.
import test from 'ava'
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { BufferPool } from '../../lib/index.js'
import { countingRegistrar, nextTurn } from '../support/doubles.js'

const run = promisify(execFile)

test('a pool dropped without close() and holding no lease gives its arenas back on GC; one whose Lease is still referenced stays alive', async t => {
  const { stdout } = await run(process.execPath, ['--expose-gc', path.join(__dirname, '..', 'programs', 'drop-pools.js')])
  const result = JSON.parse(stdout) as { droppedRegistered: number; droppedLive: number; keptAlive: { registrations: number; byte: number; released: boolean }; keptLiveAfter: number }
  t.log(result)
  t.true(result.droppedRegistered >= 1)
  t.is(result.droppedLive, 0, 'every arena of the dropped pool was deregistered')
  t.deepEqual(result.keptAlive, { registrations: 1, byte: 7, released: true })
})

test('close() with leases released from timers, promises and setImmediate in random order settles exactly once, after the last', async t => {
  for (let round = 0; round < 20; round++) {
    const registrar = countingRegistrar()
    const pool = new BufferPool({ arenaSize: 1 << 16, registration: registrar })
    const leases = Array.from({ length: 30 }, (_, i) => pool.lease(64 + i * 97))
    let settled = 0
    let outstandingAtSettle = -1
    const closing = pool.close().then(() => {
      settled++
      outstandingAtSettle = pool.stats().outstandingLeases
    })
    const releases = leases.map(lease => new Promise<void>(resolve => {
      const release = () => { lease.release(); resolve() }
      const how = Math.floor(Math.random() * 4)
      if (how === 0) setTimeout(release, Math.random() * 5)
      else if (how === 1) setImmediate(release)
      else if (how === 2) void Promise.resolve().then(release)
      else queueMicrotask(release)
    }))
    await Promise.all(releases)
    await closing
    await nextTurn()
    t.is(settled, 1)
    t.is(outstandingAtSettle, 0)
    t.is(registrar.live.size, 0)
  }
})
