// What io_uring registration costs for real, read from /proc/self/status
// VmPin in child processes (programs/io-uring-*.ts) so no other test's
// registrations are counted: one slot per arena pins exactly the arenas;
// small buffers registered one by one pin at least a page each; a clone pins
// nothing more; and RLIMIT_MEMLOCK refuses growth with advice, not a crash.
import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { platform } from '../../lib/index.js'
import test from 'ava'
import { uring, uringClone } from '../support/uring-test.js'

const run = promisify(execFile)
const fixture = (name: string) => path.join(__dirname, '..', 'programs', name)
const MiB = 1024 * 1024

interface Pinning {
  page: number
  pooled: { leases: number; leaseSize: number; arenaBytes: number; slots: number; pinned: number }
  individual: { buffers: number; bufferSize: number; slots: number; pinned: number; afterDeregister: number }
  clone: { afterClone: number; afterNewArena: number; arenaSize: number } | null
  afterClose: number
}

uring('VmPin equals the registered arena bytes; the same small buffers registered one by one pin at least a page each', async t => {
  const page = platform().pageSize
  const { stdout } = await run(process.execPath, [fixture('io-uring-pinning.js'), String(page)])
  const { pooled, individual, afterClose } = JSON.parse(stdout) as Pinning
  t.log(`pooled: ${pooled.leases} leases of ${pooled.leaseSize} B in ${pooled.slots} slots pin ${pooled.pinned / 1024} KiB`)
  t.log(`one by one: ${individual.buffers} buffers of ${individual.bufferSize} B in ${individual.slots} slots pin ${individual.pinned / 1024} KiB`)
  const ratio = individual.pinned / pooled.pinned
  t.log(`ratio ${ratio.toFixed(2)}; per buffer ${(individual.pinned / individual.buffers / page).toFixed(2)} pages one by one, ${(pooled.pinned / pooled.leases / page).toFixed(2)} pooled`)
  t.is(pooled.pinned, pooled.arenaBytes, 'pinned bytes are exactly the arenas')
  t.is(pooled.slots, pooled.arenaBytes / (256 * 1024), 'one slot per arena')
  t.true(individual.pinned >= individual.buffers * page, 'at least a page per registration')
  // 1500 B buffers packed end to end straddle a page boundary about a third
  // of the time: ~1.37 pages each, against ~0.43 pooled.
  t.true(ratio >= 2.5, `one by one pins ${ratio.toFixed(2)}x the pooled bytes`)
  t.is(individual.afterDeregister, 0, 'deregistering unpins')
  t.is(afterClose, 0, 'closing the pool unpins everything')
})

uringClone('cloneInto() shares the slots without pinning again: VmPin does not grow; a later arena is pinned once', async t => {
  const { stdout } = await run(process.execPath, [fixture('io-uring-pinning.js'), String(platform().pageSize), 'clone'])
  const { clone, afterClose } = JSON.parse(stdout) as Pinning
  t.log(clone)
  t.is(clone!.afterClone, 0)
  t.is(clone!.afterNewArena, clone!.arenaSize)
  t.is(afterClose, 0)
})

uring('RLIMIT_MEMLOCK too low (CAP_IPC_LOCK dropped): growth fails with ENOMEM explaining the limit, and the pool stays usable', async t => {
  const limit = 2.5 * MiB
  const { stdout } = await run(process.execPath, [fixture('io-uring-memlock.js'), String(limit)])
  const result = JSON.parse(stdout) as {
    capDropped: boolean
    registered: number
    pinnedAtRefusal: number
    error: { code: string; errno: number; syscall: string; message: string } | null
    reusedSlot: boolean
    pinnedAfterClose: number
  }
  t.log(result.error?.message)
  t.true(result.capDropped, 'CAP_IPC_LOCK is gone, so the limit applies')
  t.true(result.registered >= 1 && result.registered * MiB <= limit, `${result.registered} arenas of 1 MiB registered`)
  t.is(result.pinnedAtRefusal, result.registered * MiB)
  t.like(result.error, { code: 'ENOMEM', errno: -12, syscall: 'io_uring_register' })
  t.regex(result.error!.message, /charges them to RLIMIT_MEMLOCK, now 2560 KiB \(hard limit 2560 KiB\)/)
  t.true(result.error!.message.includes(`This process has ${result.pinnedAtRefusal / 1024} KiB pinned (VmPin) already`), 'it says what is already pinned')
  t.regex(result.error!.message, /ulimit -l/)
  t.true(result.reusedSlot, 'a released arena is reused in its slot after the refusal')
  t.is(result.pinnedAfterClose, 0)
})

// The budget README and docs/io-uring.md state, measured as a user without
// CAP_IPC_LOCK would meet it: the kernel charges the ring's own memory (8 KiB
// for 64 entries) to the same per-user count as the registered arenas.
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find(file => fs.existsSync(file))
const asNobody = process.getuid?.() === 0 && setpriv !== undefined
  ? null
  : `needs root and setpriv to run as uid 65534; here uid ${process.getuid?.()}, setpriv ${setpriv ?? 'missing'}`

interface Budget { uid: number; runtimeRings: number; registered: number; pinnedAtRefusal: number; error: { code: string; message: string } | null }

async function budget(arenaKiB: number, expected: number): Promise<Budget> {
  const attempt = async (): Promise<Budget> => {
    const { stdout } = await run(setpriv!, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath,
      fixture('io-uring-memlock.js'), String(8 * MiB), String(arenaKiB)], { timeout: 60000 })
    return JSON.parse(stdout) as Budget
  }
  // The count is the uid's: a ring closed a moment ago (the previous
  // attempt's) may still be charged, for longer on a busy machine. Up to five
  // attempts, 1 to 4 s apart (10 s in all).
  let last = await attempt()
  for (let wait = 1; wait <= 4 && last.registered < expected; wait++) {
    await new Promise(resolve => setTimeout(resolve, wait * 1000))
    last = await attempt()
  }
  return last
}

const budgetTitle = "unprivileged, ulimit -l 8192: one default 4 MiB arena fits, not two (the ring's 8 KiB counts too); 64 KiB arenas stop at 127; ENOMEM says what is pinned"
if (asNobody !== null) test.skip(`${budgetTitle} (skipped: ${asNobody})`, () => {})
else uring(budgetTitle, async t => {
  const four = await budget(4096, 1)
  t.log(four.error?.message)
  t.is(four.uid, 65534)
  t.is(four.registered, 1, '4 MiB + 8 KiB of ring + 4 MiB passes 8 MiB')
  t.is(four.pinnedAtRefusal, 4 * MiB)
  t.like(four.error, { code: 'ENOMEM' })
  t.regex(four.error!.message, /RLIMIT_MEMLOCK, now 8192 KiB .*This process has 4096 KiB pinned \(VmPin\) already, and 0 KiB locked by mlock \(VmLck\)\. .*\(uid 65534\) in every process, and each ring's own memory \(8 KiB for a ring of 64 entries/)
  const small = await budget(64, 127)
  // libuv's own io_uring rings (Node 22 and later open three) are charged to
  // the same limit: with them, fewer arenas fit. A runtime without them gets
  // exactly the package's own budget.
  t.log(`${small.registered} arenas of 64 KiB; the runtime held ${small.runtimeRings} io_uring ring(s) of its own`)
  if (small.runtimeRings === 0) t.is(small.registered, 127, '127 x 64 KiB = 8128 KiB, + 8 KiB of ring; the 128th passes 8192 KiB')
  else t.true(small.registered >= 120 && small.registered < 127, `${small.registered}: the runtime's rings take part of the 8 MiB`)
  t.true(small.error!.message.includes(`This process has ${small.registered * 64} KiB pinned (VmPin) already`))
})
