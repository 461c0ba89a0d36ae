// Child program: refuses every load of the addon (node-gyp-build, any .node
// file), then loads lib/allocator/ and leases over fake arenas. Prints what
// happened as JSON; also tries the package's index, which must fail under the
// same refusal (so the refusal is known to bite).
import Module = require('node:module')

const refused: string[] = []
const moduleLoader = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown }
const load = moduleLoader._load
moduleLoader._load = function (request: string, ...rest: unknown[]) {
  if (request === 'node-gyp-build' || request.endsWith('.node')) {
    refused.push(request)
    throw new Error(`addon refused: ${request}`)
  }
  return load.call(this, request, ...rest)
}

function main(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Allocator } = require('../../lib/allocator/allocator.js') as typeof import('../../lib/allocator/allocator.js')
  const { fakeArenas } = require('../support/fake-arenas.js') as typeof import('../support/fake-arenas.js')
  const arenas = fakeArenas()
  const allocator = new Allocator({ arenaSize: 1 << 20, maxBytes: 1 << 20, arenas, onGrow: () => {} })
  const h = allocator.leaseClassed(1500)
  const leased = h >= 0 && allocator.lengthOf(allocator.liveSlot(h)) === 1500
  const released = allocator.releaseOne(h)
  allocator.trim(0)
  const refusedBeforeIndex = [...refused]
  let index: string
  try {
    require('../../lib/index.js')
    index = 'loaded'
  } catch (error) {
    index = (error as Error).message
  }
  console.log(JSON.stringify({ leased, released, arenasLeft: arenas.open_.size, refusedBeforeIndex, index }))
}

main()
