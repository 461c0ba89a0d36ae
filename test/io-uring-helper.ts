// Tests of real io_uring I/O: they run only where io_uring and the test
// helper both are; elsewhere (macOS, Windows, Wine, a kernel or container
// without io_uring) they are skipped with the reason in the title.
import test, { type ExecutionContext } from 'ava'
import { helper, unavailable, type IoUringHelper } from './io-uring-native.js'

export * from './io-uring-native.js'

/** A test of real io_uring I/O; skipped, saying why, where there is none. */
export function uring(title: string, fn: (t: ExecutionContext, helper: IoUringHelper) => void | Promise<void>): void {
  if (unavailable === null) test(title, t => fn(t, helper!))
  else test.skip(`${title} (skipped: ${unavailable})`, () => {})
}

/** Serial: for tests that count the process's pinned pages or its slots. */
uring.serial = (title: string, fn: (t: ExecutionContext, helper: IoUringHelper) => void | Promise<void>): void => {
  if (unavailable === null) test.serial(title, t => fn(t, helper!))
  else test.skip(`${title} (skipped: ${unavailable})`, () => {})
}

