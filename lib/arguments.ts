// Argument and option checkers, one of each, in Node's error style: a wrong
// type throws ERR_INVALID_ARG_TYPE, a value out of range ERR_OUT_OF_RANGE,
// a value not among the choices ERR_INVALID_ARG_VALUE. Each reads its value
// once and throws before the caller changes anything.
import { invalidArgType, invalidArgValue, outOfRange } from './errors.js'

/**
 * The known options, read once into a plain object. An unknown key (a typo
 * such as maxByte) is refused with ERR_INVALID_ARG_VALUE naming it, rather
 * than silently leaving the default; an object whose keys or values cannot
 * be read (a revoked proxy, a throwing getter) is refused as of the wrong type.
 */
export function optionsObject<T extends object>(options: unknown, known: ReadonlyArray<keyof T & string>, name = 'options'): Partial<T> {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object') throw invalidArgType(name, 'of type object', options)
  const read: Partial<T> = {}
  let keys: string[]
  try {
    keys = Object.keys(options)
    for (const key of known) read[key] = (options as T)[key]
  } catch {
    throw invalidArgType(name, 'an object whose options can be read', options)
  }
  const unknown = keys.find(key => !(known as readonly string[]).includes(key))
  if (unknown !== undefined) {
    throw invalidArgValue(`${name}.${unknown}`, `left out: ${name} takes only ${known.join(', ')}`, (options as Record<string, unknown>)[unknown])
  }
  return read
}

/** A boolean option; false when undefined. */
export function optionalBoolean(value: unknown, name: string): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value)
  return value
}

/** An integer in [min, max] (Infinity only where max is Infinity); fallback when undefined. */
export function wholeNumber(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!(value >= min && value <= max) || (value !== Infinity && !Number.isSafeInteger(value))) {
    throw outOfRange(name, `an integer >= ${min} && <= ${max}`, value)
  }
  return value
}

/** An option naming a choice among strings: its value, or the first choice when undefined. */
export function oneOf<T extends string>(value: unknown, name: string, choices: readonly T[]): T {
  if (value === undefined) return choices[0]!
  if (!(choices as readonly unknown[]).includes(value)) throw invalidArgValue(name, `one of ${choices.map(c => `'${c}'`).join(', ')}`, value)
  return value as T
}

/** An AbortSignal option, or undefined. */
export function optionalSignal(value: unknown, name: string): AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) throw invalidArgType(name, 'an instance of AbortSignal', value)
  return value
}
