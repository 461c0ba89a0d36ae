// Tests of real io_uring I/O: they run only where io_uring and the test
// helper both are; elsewhere (macOS, Windows, Wine, a kernel or container
// without io_uring) they are skipped with the reason in the title.
import test, { type ExecutionContext } from 'ava'
import { helper, noClone, unavailable, type IoUringHelper } from './io-uring-ring.js'

export * from './io-uring-ring.js'

type UringTest = (t: ExecutionContext, helper: IoUringHelper) => void | Promise<void>

/** A test of real io_uring I/O; skipped, saying why, where there is none. */
export function uring(title: string, fn: UringTest): void {
  if (unavailable === null) test(title, t => fn(t, helper!))
  else test.skip(`${title} (skipped: ${unavailable})`, () => {})
}

/** A test that clones a registrar's slots into another ring. */
export function uringClone(title: string, fn: UringTest): void {
  if (unavailable === null && noClone !== null) test.skip(`${title} (skipped: ${noClone})`, () => {})
  else uring(title, fn)
}

