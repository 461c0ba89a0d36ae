// Closing a pool: the promise close() returns, the warning when it waits too
// long or the process runs out of work first, a close() that stops waiting
// on a signal, and keeping alive the pools whose leaked leases keep arenas
// registered after the close.
import { optionalSignal, optionsObject, wholeNumber } from '../arguments.js'

export interface CloseOptions {
  /** Aborting it rejects this close()'s wait; the pool stays closing. */
  signal?: AbortSignal
  /** Warn (code RIOPOOL_CLOSE_PENDING) when leases are still held this long after close(). Default 10,000. */
  warnAfterMs?: number
}

const CLOSE_WARNING_MS = 10_000

/** close()'s options, checked. */
export function closeOptions(options: unknown): { signal: AbortSignal | undefined; warnAfterMs: number } {
  const opts = optionsObject<CloseOptions>(options, ['signal', 'warnAfterMs'])
  return {
    signal: optionalSignal(opts.signal, 'options.signal'),
    warnAfterMs: wholeNumber(opts.warnAfterMs, 'options.warnAfterMs', 0, 2 ** 31 - 1, CLOSE_WARNING_MS),
  }
}

// What runs if the process runs out of work: one process listener for all
// pools, however many closes are pending (a listener each would pass
// EventEmitter's default limit of 10).
const atExit = new Set<() => void>()
function runAtExit(): void {
  for (const warn of [...atExit]) warn()
}
function untilExit(warn: () => void, on: boolean): void {
  if (on) atExit.add(warn)
  else atExit.delete(warn)
  if (atExit.size === 0) process.off('beforeExit', runAtExit)
  else if (on && atExit.size === 1) process.on('beforeExit', runAtExit)
}

/** One pool's close, from the first close() call until it settles. */
export class Closing {
  readonly promise: Promise<void>
  #settle: ((error?: unknown) => void) | undefined
  // close({ signal }) calls waiting, by signal: what each rejects with on abort.
  readonly #bySignal = new Map<AbortSignal, Set<(error: Error) => void>>()

  /**
   * Calls warn(waitedMs) once, whichever comes first: warnAfterMs, or the
   * process running out of work with the close still pending (an ESM
   * top-level await of it would otherwise exit with code 13 and say nothing).
   */
  constructor(warnAfterMs: number, warn: (waitedMs: number) => void) {
    const started = performance.now()
    const warnOnce = () => {
      clearTimeout(timer)
      untilExit(warnOnce, false)
      warn(Math.round(performance.now() - started))
    }
    const timer = setTimeout(warnOnce, warnAfterMs)
    timer.unref()
    untilExit(warnOnce, true)
    this.promise = new Promise<void>((resolve, reject) => {
      this.#settle = error => {
        clearTimeout(timer)
        untilExit(warnOnce, false)
        if (error === undefined) resolve()
        else reject(error)
      }
    })
  }

  get pending(): boolean {
    return this.#settle !== undefined
  }

  /** Settles the promise (once; later calls do nothing). */
  settle(error?: unknown): void {
    const settle = this.#settle
    this.#settle = undefined
    settle?.(error)
  }

  /**
   * The promise a close({ signal }) call gets: the close's own, or an
   * AbortError naming the leases still held once the signal aborts. One
   * listener per signal however many calls pass it, gone when either settles
   * (a listener per call passes EventTarget's limit of 10 and warns).
   */
  waitUnless(signal: AbortSignal, held: () => number): Promise<void> {
    if (signal.aborted) return Promise.reject(closeAborted(signal.reason, held()))
    return new Promise<void>((resolve, reject) => {
      let waiting = this.#bySignal.get(signal)
      if (waiting === undefined) {
        const calls = waiting = new Set()
        const onAbort = (): void => {
          this.#bySignal.delete(signal)
          for (const abort of calls) abort(closeAborted(signal.reason, held()))
        }
        const stop = (): void => {
          this.#bySignal.delete(signal)
          signal.removeEventListener('abort', onAbort)
        }
        this.#bySignal.set(signal, waiting)
        signal.addEventListener('abort', onAbort, { once: true })
        this.promise.then(stop, stop)
      }
      waiting.add(reject)
      this.promise.then(resolve, reject)
    })
  }
}

/** Node's AbortError shape: the signal's reason as the cause, the leases still held in the message. */
function closeAborted(reason: unknown, held: number): Error {
  const error = new Error(`close() stopped waiting: ${held} lease(s) still held; the pool stays closing`, { cause: reason })
  error.name = 'AbortError'
  return Object.assign(error, { code: 'ABORT_ERR' })
}

// Closed pools still holding quarantined (leaked) leases: their arenas stay
// mapped and registered, since I/O posted before the leak may still use them,
// so neither the pools nor their arenas may be collected.
const quarantinedPools = new Set<object>()

/** Keeps a closed pool (and so its arenas) reachable while `held`. */
export function keepWhileQuarantined(pool: object, held: boolean): void {
  if (held) quarantinedPools.add(pool)
  else quarantinedPools.delete(pool)
}
