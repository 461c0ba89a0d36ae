// docs/consumers.md shows a networking addon's native side in C; those
// snippets must not rot. Each ```c file=NAME block is extracted and
// compiled: glue.c against the Node-API headers, rio_receive.c for 64-bit
// Windows with mingw-w64, read_fixed.c as C and as C++. read_fixed.c is then
// run, linked into test/repository/consumers/read_fixed_main.c, on the ring
// of a real pool's IoUringRegistrar: the kernel must read a file into the
// lease it names, and refuse an SQE naming an empty slot or running past the
// arena. Where a compiler or io_uring is missing a test is skipped, saying
// why in its title.
import test, { type ExecutionContext } from 'ava'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { BufferPool, IoUringRegistrar, platform, type Lease } from '../../lib/index.js'

// From dist/test/repository.
const root = path.join(__dirname, '..', '..', '..')
const support = path.join(root, 'test', 'repository', 'consumers')
const FLAGS = ['-std=c11', '-Wall', '-Wextra', '-Werror']

/** The ```c file=NAME blocks of a page, by name, in order. */
function cBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>()
  for (const [, name, body] of markdown.matchAll(/^```c file=(\S+)[ \t]*\n([\s\S]*?)^```[ \t]*$/gm)) {
    if (blocks.has(name!)) throw new Error(`docs/consumers.md has two blocks named ${name}`)
    blocks.set(name!, body!)
  }
  return blocks
}

const blocks = cBlocks(fs.readFileSync(path.join(root, 'docs', 'consumers.md'), 'utf8'))

/** Null when `command --version` runs here, else why a test needing it cannot run. */
function missing(command: string): string | null {
  const run = spawnSync(command, ['--version'], { encoding: 'utf8' })
  return run.error === undefined && run.status === 0 ? null : `needs ${command} on PATH`
}

const cc = process.env['CC'] || 'cc'
const cxx = process.env['CXX'] || 'c++'
const mingw = 'x86_64-w64-mingw32-gcc'
const { ioUring } = platform()
const noUring = process.platform !== 'linux' ? `needs Linux; here: ${process.platform}`
  : !ioUring.available ? `needs io_uring with sparse fixed-buffer tables (Linux 5.19+); here: ${ioUring.error!.code} from ${ioUring.error!.syscall}`
  : null

/** A test that runs where `why` is null, and otherwise is skipped with the reason in its title. */
function where(why: string | null, title: string, fn: (t: ExecutionContext) => void | Promise<void>): void {
  if (why === null) test(title, fn)
  else test.skip(`${title} (skipped: ${why})`, () => {})
}

let work = ''
test.before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rbp-consumers-'))
  for (const [name, body] of blocks) fs.writeFileSync(path.join(work, name), body)
})
test.after.always(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

function run(t: ExecutionContext, command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: work, encoding: 'utf8' })
  t.is(result.status, 0, `${command} ${args.join(' ')} failed:\n${result.error?.message ?? ''}${result.stderr}`)
}

test('docs/consumers.md has the three C snippets: the Node-API glue, a RIOReceive and a READ_FIXED SQE', t => {
  t.deepEqual([...blocks.keys()], ['glue.c', 'rio_receive.c', 'read_fixed.c'])
  t.regex(blocks.get('rio_receive.c')!, /RIOReceive\(/)
  t.regex(blocks.get('read_fixed.c')!, /IORING_OP_READ_FIXED/)
})

where(missing(cc), `glue.c compiles as C11 with -Wall -Wextra -Werror against the Node-API headers (${cc})`, t => {
  const headers = path.join(path.dirname(require.resolve('node-api-headers/package.json')), 'include')
  run(t, cc, [...FLAGS, '-I', headers, '-c', 'glue.c', '-o', 'glue.o'])
})

where(missing(mingw), `rio_receive.c compiles for 64-bit Windows with mingw-w64 and -Wall -Wextra -Werror, given the SDK's RIO declarations mingw lacks (${mingw})`, t => {
  run(t, mingw, [...FLAGS, '-include', path.join(support, 'mingw_rio.h'), '-c', 'rio_receive.c', '-o', 'rio_receive.o'])
})

where(missing(cxx), `read_fixed.c compiles as C++17 too, as an addon written in C++ would include it (${cxx})`, t => {
  run(t, cxx, ['-x', 'c++', '-std=c++17', '-Wall', '-Wextra', '-Werror', '-c', 'read_fixed.c', '-o', 'read_fixed_cxx.o'])
})

where(noUring ?? missing(cc), "read_fixed.c's SQE, submitted on a real pool's ring, reads a file into the lease it names; an empty slot or a range past the arena completes with -EFAULT", async t => {
  run(t, cc, [...FLAGS, '-o', 'read_fixed_main', path.join(support, 'read_fixed_main.c'), 'read_fixed.c'])
  const entries = 8
  const reg = IoUringRegistrar.create({ slots: 4, entries })
  const pool = new BufferPool({ registration: reg, arenaSize: 64 * 1024 })
  const before = pool.lease(3000) // so the lease under test starts inside the arena, not at its start
  const lease = pool.lease(1500)
  const data = Buffer.alloc(lease.length)
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >>> 8)) & 0xff
  const file = path.join(work, 'data')
  fs.writeFileSync(file, data)
  const fd = fs.openSync(file, 'r')
  try {
    // Fd 3 is the registrar's ring, fd 4 the file: the program maps the ring as an addon would.
    const submit = (bufIndex: bigint, address: bigint, length: number) => {
      const result = spawnSync(path.join(work, 'read_fixed_main'), [String(entries), String(bufIndex), String(address), String(length)],
        { stdio: ['ignore', 'pipe', 'pipe', reg.fd, fd], encoding: 'utf8' })
      t.is(result.status, 0, result.stderr)
      return result.stdout.trim()
    }
    const EFAULT = os.constants.errno.EFAULT
    t.true(lease.offset > 0)
    t.is(submit(lease.bufferId!, lease.address, lease.length), `42 ${lease.length}`, 'user_data, and res: the bytes read')
    t.true(lease.buffer.equals(data), "the file's bytes are in the lease")
    t.is(submit(lease.bufferId! + 1n, lease.address, lease.length), `42 -${EFAULT}`, 'a slot holding no arena')
    const arena = lease.arena
    t.is(submit(lease.bufferId!, arena.address + BigInt(arena.size - 100), lease.length), `42 -${EFAULT}`, 'a range running past the arena')
  } finally {
    fs.closeSync(fd)
    for (const l of [before, lease] as Lease[]) l.release()
    await pool.close()
    reg.close()
  }
})
