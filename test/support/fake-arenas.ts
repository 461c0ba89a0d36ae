// An arena factory over plain memory, for the allocator without the addon:
// ArrayBuffers at made-up, page-aligned addresses. It refuses to close an
// arena that still holds a lease, or one it did not make or already closed,
// so a test sees the allocator break those rules.
import type { ArenaFactory, ArenaMemory } from '../../lib/allocator/allocator.js'

export interface FakeArena extends ArenaMemory {
  readonly buffer: Uint8Array
  readonly leases: () => number
  closed: boolean
}

export interface FakeArenas extends ArenaFactory<FakeArena> {
  readonly open_: Set<FakeArena>
  opened: number
  closed: number
  /** When set, open() throws it (an OS refusal). */
  failNext: Error | null
}

export function fakeArenas(): FakeArenas {
  let nextAddress = 0x7f00_0000_0000n
  let nextId = 1n
  const factory: FakeArenas = {
    open_: new Set(),
    opened: 0,
    closed: 0,
    failNext: null,
    open(size, leases) {
      if (factory.failNext !== null) {
        const error = factory.failNext
        factory.failNext = null
        throw error
      }
      // Addresses go down as arenas are made, so address order is not creation order.
      nextAddress -= BigInt(size) + 0x10_0000n
      const arena: FakeArena = { size, address: nextAddress, bufferId: nextId++, buffer: new Uint8Array(size), leases, closed: false }
      factory.open_.add(arena)
      factory.opened++
      return arena
    },
    close(arena) {
      if (!factory.open_.has(arena)) throw new Error('close() of an arena this factory did not make, or closed already')
      const leases = arena.leases()
      if (leases !== 0) throw new Error(`close() of an arena holding ${leases} lease(s)`)
      factory.open_.delete(arena)
      arena.closed = true
      factory.closed++
    },
  }
  return factory
}
