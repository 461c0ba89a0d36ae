import test from 'ava'
import { execFile } from 'node:child_process'
import * as path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

test('arenas dropped without close() give their memory back (bounded RSS under --expose-gc)', async t => {
  const script = path.join(__dirname, '..', 'programs', 'drop-unclosed-arenas.js')
  const { stdout } = await run(process.execPath, ['--expose-gc', script, '64'])
  const figures = JSON.parse(stdout) as { touchedMiB: number; beforeMiB: number; peakMiB: number; afterMiB: number }
  t.log(figures)
  t.is(figures.touchedMiB, 1024)
  // 1 GiB was written through arenas; at most a handful may be alive at once.
  t.true(figures.peakMiB - figures.beforeMiB < 256, `peak grew by ${figures.peakMiB - figures.beforeMiB} MiB`)
  t.true(figures.afterMiB - figures.beforeMiB < 64, `after grew by ${figures.afterMiB - figures.beforeMiB} MiB`)
})

const closeProbe = async () => {
  const script = path.join(__dirname, '..', 'programs', 'arena-close-memory.js')
  const { stdout } = await run(process.execPath, ['--expose-gc', script])
  return JSON.parse(stdout) as {
    before: number
    afterClose: number
    transfer: { lockedWhileOpen: number; lockedAfterClose: number } | null
    escapedLock: { before: number; whileOpen: number; afterClose: number; heldBytes: number; readable: boolean } | null
  }
}

test("close() gives a touched arena's pages back at once, before any GC", async t => {
  const figures = await closeProbe()
  t.log(figures)
  t.true(figures.before - figures.afterClose >= 48, `RSS ${figures.before} -> ${figures.afterClose} MiB`)
})

const canTransfer = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function' && process.platform === 'linux'
;(canTransfer ? test : test.skip)(`an arena stays mapped until close() even when its ArrayBuffer is transferred away and collected${canTransfer ? '' : ' (skipped: needs ArrayBuffer.prototype.transfer, Node 21+, and Linux VmLck)'}`, async t => {
  const { transfer } = await closeProbe()
  t.log(transfer)
  t.true(transfer!.lockedWhileOpen >= 1024, 'the locked MiB is still mapped while the arena is open')
  t.true(transfer!.lockedAfterClose < transfer!.lockedWhileOpen)
})

const linux = process.platform === 'linux'
;(linux ? test : test.skip)(`close() unlocks a locked arena even when a BYOB read still holds its memory (VmLck)${linux ? '' : ' (skipped: VmLck is read from Linux /proc/self/status)'}`, async t => {
  const { escapedLock } = await closeProbe()
  t.log(escapedLock)
  const { before, whileOpen, afterClose, heldBytes, readable } = escapedLock!
  t.is(heldBytes, 1024 * 1024, 'the BYOB view still spans the arena, so close() could not unmap it')
  t.true(readable, 'and it still reads and writes the memory after close()')
  t.true(whileOpen - before >= 1024, `VmLck ${before} -> ${whileOpen} KiB for a locked MiB`)
  t.true(afterClose - before < 1024, `VmLck ${whileOpen} -> ${afterClose} KiB after close(): the pages are still locked`)
})
