// Errors in Node's shape: argument errors carry Node's own codes, pool
// conditions carry a RIOPOOL_* code, OS failures carry code/errno/syscall.
import { types } from 'node:util'

export type PoolErrorCode =
  | 'RIOPOOL_BUSY'
  | 'RIOPOOL_CLOSED'
  | 'RIOPOOL_EXHAUSTED'
  /** adopt() of a lease that is pinned or whose owner holds more than one reference (lib/allocator/shared-slots.ts). */
  | 'RIOPOOL_NOT_ADOPTABLE'
  | 'RIOPOOL_RELEASED'
  | 'RIOPOOL_RIO_UNAVAILABLE'
  | 'RIOPOOL_SLOTS_TAKEN'
  | 'RIOPOOL_UNREGISTRABLE'

export class PoolError extends Error {
  readonly code: PoolErrorCode

  constructor(code: PoolErrorCode, message: string, options?: { cause?: unknown }) {
    // Checked before super(): Error would coerce a symbol or an object (running its toString) and probe a proxy.
    if (typeof code !== 'string') throw invalidArgType('code', 'of type string', code)
    if (typeof message !== 'string') throw invalidArgType('message', 'of type string', message)
    super(message, causeOption(options))
    this.code = code
  }

  override get name(): string {
    return 'PoolError'
  }
}

/** Error's options, read once: { cause } only when the caller gave one. */
function causeOption(options: unknown): { cause: unknown } | undefined {
  if (options === undefined) return undefined
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
  try {
    return 'cause' in options ? { cause: (options as { cause: unknown }).cause } : undefined
  } catch {
    throw invalidArgType('options', 'an object whose options can be read', options)
  }
}

/** Its constructor's name; a revoked proxy or a throwing getter cannot say. */
function constructorName(value: object): string {
  try {
    const name: unknown = value.constructor?.name
    return typeof name === 'string' ? name : 'Object'
  } catch {
    return 'Object (unreadable)'
  }
}

function functionName(fn: Function): string {
  try {
    return typeof fn.name === 'string' && fn.name !== '' ? fn.name : '<anonymous>'
  } catch {
    return '<unreadable>' // a revoked proxy
  }
}

function describeReceived(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'function') return `function ${functionName(value)}`
  if (typeof value === 'object') return `an instance of ${constructorName(value)}`
  const shown = typeof value === 'string' ? `'${value.length > 28 ? value.slice(0, 25) + '...' : value}'` : String(value)
  return `type ${typeof value} (${shown}${typeof value === 'bigint' ? 'n' : ''})`
}

function withCode<E extends Error>(error: E, code: string): E & { code: string } {
  return Object.assign(error, { code })
}

export function invalidArgType(name: string, expected: string, value: unknown): TypeError {
  return withCode(new TypeError(`The "${name}" argument must be ${expected}. Received ${describeReceived(value)}`), 'ERR_INVALID_ARG_TYPE')
}

export function invalidArgValue(name: string, expected: string, value: unknown): TypeError {
  return withCode(new TypeError(`The argument '${name}' must be ${expected}. Received ${describeReceived(value)}`), 'ERR_INVALID_ARG_VALUE')
}

export function outOfRange(name: string, expected: string, value: unknown): RangeError {
  return withCode(new RangeError(`The value of "${name}" is out of range. It must be ${expected}. Received ${String(value)}`), 'ERR_OUT_OF_RANGE')
}

export function invalidReturnValue(name: string, expected: string, value: unknown): TypeError {
  return withCode(new TypeError(`Expected ${expected} to be returned from "${name}". Received ${describeReceived(value)}`), 'ERR_INVALID_RETURN_VALUE')
}

/** A method or getter called on something that is not one of `type`'s instances (Node's wording). */
export function invalidThis(type: string): TypeError {
  return withCode(new TypeError(`Value of "this" must be of type ${type}`), 'ERR_INVALID_THIS')
}

/** `new` on a class whose instances only this package makes. */
export function illegalConstructor(type: string): TypeError {
  return withCode(new TypeError(`Illegal constructor: ${type} instances come from this package, not from new`), 'ERR_ILLEGAL_CONSTRUCTOR')
}

export function invalidState(message: string): Error {
  return withCode(new Error(message), 'ERR_INVALID_STATE')
}

/** The shape of an OS failure as Node reports one. */
export interface SystemErrorInfo {
  code: string
  errno: number
  syscall: string
  /** The raw Windows or Winsock error number, on Windows. */
  winerror?: number
}

export function systemError(message: string, info: SystemErrorInfo): Error & SystemErrorInfo {
  return Object.assign(new Error(`${message}: ${info.syscall} failed with ${info.code}`), info)
}

/**
 * What a user callback (a Registrar's deregister()) threw, as an Error to warn
 * with, and the key of its cause: read without running a getter or a proxy
 * trap, since anything may be thrown (42, a proxy, an object whose message is
 * a symbol), and a warning that throws would end the process.
 */
export function thrownAsWarning(thrown: unknown): { warning: Error; cause: string } {
  if (types.isNativeError(thrown) && !types.isProxy(thrown)) {
    const own = (key: string): unknown => Object.getOwnPropertyDescriptor(thrown, key)?.value
    const [code, message] = [own('code'), own('message')]
    if (typeof message === 'string') return { warning: thrown, cause: `${typeof code === 'string' ? code : ''}\0${message}` }
  }
  const description = describeReceived(thrown)
  return { warning: new Error(`A Registrar callback threw ${description}, not an Error`), cause: description }
}
