// The acquire() queue: callers waiting, first come first served, for room
// within maxBytes. The pool serves it when a release frees a lease or a trim
// makes room; an abort takes a waiter out at once, and closing rejects all.
import { PoolError } from '../errors.js'
import type { Lease } from './lease.js'

/** What the queue needs of its pool. */
export interface QueueHost {
  /** A handle for size bytes, or -1 when there is no room; throws when the OS refuses a new arena. */
  tryLease(size: number): number
  /** The Lease object over a handle just leased. */
  leaseObject(h: number, size: number): Lease
  /** Gives back a handle leased for a waiter that is gone. */
  release(h: number): void
  /** Whether the pool is closing. */
  closing(): boolean
  /** The queue's length changed (the pool listens for frees while anyone waits). */
  changed(): void
}

interface Waiter {
  readonly size: number
  readonly resolve: (lease: Lease) => void
  readonly reject: (reason: unknown) => void
  readonly signal: AbortSignal | undefined
  readonly onAbort: () => void
}

export class AcquireQueue {
  readonly #waiters: Waiter[] = []
  readonly #maxWaiters: number
  readonly #host: QueueHost

  constructor(maxWaiters: number, host: QueueHost) {
    this.#maxWaiters = maxWaiters
    this.#host = host
  }

  get length(): number {
    return this.#waiters.length
  }

  /** Waits for room; throws RIOPOOL_EXHAUSTED when maxWaiters already wait. */
  wait(size: number, signal: AbortSignal | undefined): Promise<Lease> {
    const waiters = this.#waiters
    if (waiters.length >= this.#maxWaiters) {
      throw new PoolError('RIOPOOL_EXHAUSTED', `No room for ${size} bytes and ${waiters.length} acquire() calls already wait (maxWaiters)`)
    }
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = {
        size,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = waiters.indexOf(waiter)
          if (at >= 0) waiters.splice(at, 1)
          reject(signal!.reason)
          // The head may have been what held the others back.
          if (at === 0) this.serve()
          else this.#host.changed()
        },
      }
      signal?.addEventListener('abort', waiter.onAbort, { once: true })
      waiters.push(waiter)
      this.#host.changed()
    })
  }

  /** Leases for waiters from the head while there is room. */
  serve(): void {
    const host = this.#host
    const waiters = this.#waiters
    while (waiters.length !== 0 && !host.closing()) {
      const waiter = waiters[0]!
      let h: number
      try {
        h = host.tryLease(waiter.size)
      } catch (error) {
        this.#dequeue(waiter).reject(error) // the OS refused a new arena: tell the waiter, not the releaser
        continue
      }
      if (h < 0) break
      if (host.closing() || waiters[0] !== waiter) {
        // A Registrar called back into the pool while the lease grew an arena.
        host.release(h)
        break
      }
      this.#dequeue(waiter).resolve(host.leaseObject(h, waiter.size))
    }
    host.changed()
  }

  /** Rejects every waiter with `reason` (the pool is closing). */
  rejectAll(reason: unknown): void {
    for (const waiter of this.#waiters.splice(0)) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort)
      waiter.reject(reason)
    }
    this.#host.changed()
  }

  /** Precondition: waiter is at the head of the queue. */
  #dequeue(waiter: Waiter): Waiter {
    this.#waiters.shift()
    waiter.signal?.removeEventListener('abort', waiter.onAbort)
    return waiter
  }
}
