// Test doubles shared by the tests: a Registrar that counts, and small helpers for waiting a turn.
import type { Registrar } from '../../lib/index.js'

export interface CountingRegistrar extends Registrar {
  readonly live: Map<bigint, { address: bigint; length: number }>
  registered: number
  deregistered: number
}

export function countingRegistrar(): CountingRegistrar {
  let next = 1n
  const registrar: CountingRegistrar = {
    live: new Map(),
    registered: 0,
    deregistered: 0,
    register(address, length) {
      const id = next++
      registrar.live.set(id, { address, length })
      registrar.registered++
      return id
    },
    deregister(id) {
      if (!registrar.live.delete(id)) throw new Error(`deregister of unknown id ${id}`)
      registrar.deregistered++
    },
  }
  return registrar
}

export const MiB = 1024 * 1024

export function nextTurn(): Promise<void> {
  return new Promise(resolve => setImmediate(resolve))
}
