// memoryUsage(): what the OS counts for this process, read back while arenas
// are locked, pinned and touched.
import test from 'ava'
import { Arena, IoUringRegistrar, memoryUsage, platform } from '../../lib/index.js'

const MiB = 1024 * 1024
const linux = process.platform === 'linux'
const windows = process.platform === 'win32'

test('memoryUsage() reports resident bytes everywhere, and null for what the OS does not tell', t => {
  const usage = memoryUsage()
  t.true(Number.isSafeInteger(usage.rss) && usage.rss > 0)
  for (const key of ['locked', 'pinned', 'committed'] as const) t.true(usage[key] === null || Number.isSafeInteger(usage[key]))
  if (linux) {
    t.not(usage.locked, null)
    t.not(usage.pinned, null)
    t.is(usage.committed, null)
  }
  if (windows) {
    t.is(usage.locked, null)
    t.is(usage.pinned, null)
    t.true(usage.committed! > 0, 'GetProcessMemoryInfo gives PagefileUsage')
  }
})

test('touching an arena raises rss; closing it gives the pages back', t => {
  // Up to three tries: the process's own heap can shrink by tens of MiB
  // between two readings (it did once in a full run), hiding the arena's rise.
  const tries: string[] = []
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = memoryUsage().rss
    const arena = Arena.create(64 * MiB, { registration: 'off' })
    arena.buffer.fill(1)
    const touched = memoryUsage().rss
    arena.close()
    const after = memoryUsage().rss
    tries.push(`rss ${before} -> ${touched} -> ${after} after close()`)
    if (touched - before >= 48 * MiB && touched - after >= 48 * MiB) {
      t.pass()
      return
    }
  }
  t.fail(tries.join('; '))
})

;(linux ? test : test.skip)(`a locked arena shows in locked, and leaves it at close()${linux ? '' : ' (skipped: VmLck is Linux only)'}`, t => {
  const before = memoryUsage().locked!
  let arena: Arena
  try {
    arena = Arena.create(MiB, { registration: 'off', lock: true })
  } catch (error) {
    t.is((error as { code?: string }).code, 'ENOMEM', 'only RLIMIT_MEMLOCK may refuse')
    return
  }
  t.is(memoryUsage().locked! - before, MiB)
  arena.close()
  t.is(memoryUsage().locked!, before)
})

const ioUring = platform().ioUring.available
;(ioUring ? test : test.skip)(`an io_uring registration shows in pinned, and leaves it at deregistration${ioUring ? '' : ' (skipped: io_uring is unavailable here)'}`, t => {
  const registrar = IoUringRegistrar.create({ slots: 2 })
  const before = memoryUsage().pinned!
  const arena = Arena.create(MiB, { registration: registrar })
  t.is(memoryUsage().pinned! - before, MiB)
  arena.close()
  t.is(memoryUsage().pinned!, before)
  registrar.close()
})

test('memoryUsage() without /proc (a chroot, a minimal container): rss from Node, the rest null, no throw', async t => {
  // A child whose fs answers ENOENT for /proc, as a system without it does.
  const { execFileSync } = await import('node:child_process')
  const script = `
    const fs = require('node:fs')
    const read = fs.readFileSync
    fs.readFileSync = (file, ...rest) => {
      if (String(file).startsWith('/proc/')) throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' })
      return read(file, ...rest)
    }
    console.log(JSON.stringify(require(${JSON.stringify(require.resolve('../../lib/index.js'))}).memoryUsage()))`
  const usage = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as Record<string, number | null>
  t.true(Number.isSafeInteger(usage.rss) && usage.rss! > 0)
  if (linux) t.deepEqual([usage.locked, usage.pinned, usage.committed], [null, null, null])
})
