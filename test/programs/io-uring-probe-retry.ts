// Child program (issue 17, item 5b): the process's first io_uring probe
// meets EMFILE; once descriptors are free again, io_uring is available.
// Run with a low `ulimit -n`. Imports nothing that probes at load.
import * as fs from 'node:fs'
import * as os from 'node:os'
import { IoUringRegistrar, platform } from '../../lib/index.js'

function probe(): unknown {
  const fds: number[] = []
  try {
    for (;;) fds.push(fs.openSync(os.devNull, 'r'))
  } catch {
    // EMFILE: every descriptor is taken
  }
  const exhausted = platform().ioUring
  for (const fd of fds) fs.closeSync(fd)
  return { exhausted, later: platform().ioUring, create: created() }
}


function created(): string {
  try {
    IoUringRegistrar.create({ slots: 1 }).close()
    return 'ok'
  } catch (error) {
    return String((error as { code?: unknown }).code)
  }
}

console.log(JSON.stringify(probe()))
