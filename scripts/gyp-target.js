'use strict'
// Reads binding.gyp, so that builds made without node-gyp (the mingw cross
// build for Wine, the simulated-RIO test build) compile exactly the sources
// and defines node-gyp would: one list, in binding.gyp.
//
// It understands the part of gyp this project uses: Python-literal files,
// file-level and target-level `variables` with `name%` defaults, `conditions`
// (if / else / elif chains) over `==`, `!=`, `and`, `or`, `not`, list merging
// (plain keys append, `key!` removes, `key+` prepends, `key=` replaces),
// `<!(command)` expansion, and a dependency's `direct_dependent_settings`
// with its `includes` (how node-addon-api hands out NAPI_CPP_EXCEPTIONS).
const { execSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

/** Parses gyp's Python-literal syntax: dicts, lists, strings, numbers, comments, trailing commas. */
function parseGyp(text, file) {
  let i = 0
  const fail = (what) => {
    const line = text.slice(0, i).split('\n').length
    throw new SyntaxError(`${file}:${line}: ${what}`)
  }
  const skip = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i])) i++
      if (text[i] !== '#') return
      while (i < text.length && text[i] !== '\n') i++
    }
  }
  const string = () => {
    const quote = text[i++]
    let out = ''
    while (text[i] !== quote) {
      if (i >= text.length) fail('unterminated string')
      if (text[i] === '\\') {
        const c = text[++i]
        out += { n: '\n', t: '\t', r: '\r' }[c] ?? c
      } else {
        out += text[i]
      }
      i++
    }
    i++
    // Python joins adjacent literals: 'a' 'b'
    skip()
    return text[i] === '"' || text[i] === "'" ? out + string() : out
  }
  const sequence = (close, item) => {
    i++
    for (;;) {
      skip()
      if (text[i] === close) return i++
      item()
      skip()
      if (text[i] === ',') i++
      else if (text[i] !== close) fail(`expected ',' or '${close}'`)
    }
  }
  const value = () => {
    skip()
    const c = text[i]
    if (c === '{') {
      const out = {}
      sequence('}', () => {
        const key = value()
        skip()
        if (text[i++] !== ':') fail("expected ':'")
        out[key] = value()
      })
      return out
    }
    if (c === '[') {
      const out = []
      sequence(']', () => out.push(value()))
      return out
    }
    if (c === '"' || c === "'") return string()
    const word = /^(-?\d+|True|False|None)/.exec(text.slice(i))
    if (!word) fail(`unexpected '${c}'`)
    i += word[0].length
    return { True: true, False: false, None: null }[word[0]] ?? Number(word[0])
  }
  const out = value()
  skip()
  if (i < text.length) fail('trailing text')
  return out
}

function readGyp(file) {
  return parseGyp(fs.readFileSync(file, 'utf8'), file)
}

/** Evaluates a gyp condition such as "OS=='win' and simulated_rio==1". */
function evaluateCondition(expression, variables) {
  const tokens = expression.match(/\s*(==|!=|\(|\)|'[^']*'|"[^"]*"|-?\d+|[A-Za-z_][A-Za-z0-9_]*)/gy)
  if (!tokens || tokens.join('').trim() !== expression.trim()) throw new SyntaxError(`cannot read gyp condition: ${expression}`)
  const js = tokens.map((raw) => {
    const t = raw.trim()
    if (t === 'and') return '&&'
    if (t === 'or') return '||'
    if (t === 'not') return '!'
    if (t === '==' || t === '!=' || t === '(' || t === ')') return t // loose, as gyp compares 1 and '1' after -D
    if (/^['"]/.test(t)) return JSON.stringify(t.slice(1, -1))
    if (/^-?\d+$/.test(t)) return t
    if (!(t in variables)) throw new Error(`gyp condition uses undefined variable ${t}: ${expression}`)
    return JSON.stringify(variables[t])
  })
  return Boolean(Function(`"use strict"; return (${js.join(' ')})`)())
}

/** Expands `<!(command)`, run from the gyp file's directory, as gyp does. */
function expand(value, dir) {
  if (typeof value !== 'string') return value
  return value.replace(/<!\((.*)\)/, (_, command) => execSync(command, { cwd: dir, encoding: 'utf8' }).trim())
}

/** Merges `from` into `into` with gyp's list-key suffixes. */
function merge(into, from) {
  for (const [rawKey, value] of Object.entries(from)) {
    if (rawKey === 'conditions' || rawKey === 'variables' || rawKey === 'includes') continue
    const suffix = /[!+=]$/.test(rawKey) && Array.isArray(value) ? rawKey.slice(-1) : ''
    const key = suffix ? rawKey.slice(0, -1) : rawKey
    if (suffix === '!') {
      if (Array.isArray(into[key])) into[key] = into[key].filter((item) => !value.includes(item))
    } else if (Array.isArray(value)) {
      const current = Array.isArray(into[key]) ? into[key] : []
      into[key] = suffix === '=' ? [...value] : suffix === '+' ? [...value, ...current] : [...current, ...value]
    } else if (value && typeof value === 'object') {
      into[key] = merge(into[key] && typeof into[key] === 'object' ? into[key] : {}, value)
    } else {
      into[key] = value
    }
  }
  return into
}

function defaults(variablesDict, variables) {
  const out = { ...variables }
  for (const [name, value] of Object.entries(variablesDict ?? {})) {
    if (name.endsWith('%')) {
      if (!(name.slice(0, -1) in out)) out[name.slice(0, -1)] = value
    } else {
      out[name] = value
    }
  }
  return out
}

/** A settings dict with its includes, conditions (recursively) and `!` lists applied. */
function resolveSettings(settings, variables, dir) {
  const out = {}
  for (const include of settings.includes ?? []) {
    merge(out, resolveSettings(readGyp(path.resolve(dir, include)), variables, dir))
  }
  merge(out, settings)
  for (const condition of settings.conditions ?? []) {
    // [cond, then, cond2, then2, ..., else?]
    for (let k = 0; k < condition.length; k += 2) {
      if (k + 1 === condition.length) {
        merge(out, resolveSettings(condition[k], variables, dir))
        break
      }
      if (evaluateCondition(condition[k], variables)) {
        merge(out, resolveSettings(condition[k + 1], variables, dir))
        break
      }
    }
  }
  // `!` lists in a condition may name items added after them.
  for (const [key, value] of Object.entries(settings)) {
    if (key.endsWith('!') && Array.isArray(out[key.slice(0, -1)])) {
      out[key.slice(0, -1)] = out[key.slice(0, -1)].filter((item) => !value.includes(item))
    }
  }
  return out
}

const KEYS = ['sources', 'defines', 'libraries', 'include_dirs', 'cflags_cc']

/**
 * The build settings of one target of a gyp file, for the given gyp
 * variables (OS is required; others override `%` defaults, like -D). Paths
 * in `sources` stay relative to the gyp file; `include_dirs` of
 * dependencies are made absolute.
 *
 * @returns {{sources: string[], defines: string[], libraries: string[], include_dirs: string[], cflags_cc: string[]}}
 */
function gypTarget(gypFile, targetName, variables) {
  const file = path.resolve(gypFile)
  const dir = path.dirname(file)
  const gyp = readGyp(file)
  const target = gyp.targets.find((t) => t.target_name === targetName)
  if (!target) throw new Error(`${gypFile} has no target ${targetName}`)
  const vars = defaults(target.variables, defaults(gyp.variables, variables))
  const own = resolveSettings(target, vars, dir)

  const settings = {}
  for (const dependency of own.dependencies ?? []) {
    const [depFile, depName] = expand(dependency, dir).split(/:(?=[^:\\/]+$)/)
    const depPath = path.resolve(dir, depFile)
    const depGyp = readGyp(depPath)
    const depTarget = depGyp.targets.find((t) => t.target_name === depName)
    if (!depTarget) throw new Error(`${depFile} has no target ${depName}`)
    const direct = resolveSettings(depTarget.direct_dependent_settings ?? {}, vars, path.dirname(depPath))
    direct.include_dirs = (direct.include_dirs ?? []).map((d) => path.resolve(path.dirname(depPath), d))
    merge(settings, direct)
  }
  merge(settings, own)
  const out = {}
  for (const key of KEYS) out[key] = [...new Set((settings[key] ?? []).map((v) => expand(v, dir)))]
  return out
}

module.exports = { gypTarget }
