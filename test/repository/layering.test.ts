// lib/ depends one way: pool/ over allocator/ over arenas/ over errors (and
// the argument checkers). A lower folder imports no value from a higher one;
// allocator/ may name arenas/' types, arenas/ names nothing above it. What a
// lower layer needs from above is passed in (the allocator's arena factory).
import test from 'ava'
import * as fs from 'node:fs'
import * as path from 'node:path'

const lib = path.join(__dirname, '..', '..', '..', 'lib')

// Layer of each place in lib/, lowest first.
const LAYERS = ['errors', 'arguments', 'arenas', 'allocator', 'pool', 'index']

function layerOf(file: string): string {
  const relative = path.relative(lib, file).replace(/\\/g, '/')
  return relative.includes('/') ? relative.split('/')[0]! : relative.replace(/\.ts$/, '')
}

interface Edge { from: string; to: string; typeOnly: boolean }

function edges(): Edge[] {
  const found: Edge[] = []
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith('.ts')) {
        const source = fs.readFileSync(full, 'utf8')
        for (const match of source.matchAll(/^(?:import|export)\s+(type\s+)?([^;'"]*?)\s*from\s+'(\.[^']+)'/gm)) {
          const names = match[2]!
          const typeOnly = match[1] !== undefined || (/^\{[^}]*\}$/.test(names.trim()) && names.replace(/[{}\s]/g, '').split(',').filter(Boolean).every(n => n.startsWith('type')))
          const target = path.resolve(path.dirname(full), match[3]!.replace(/\.js$/, '.ts'))
          found.push({ from: path.relative(lib, full), to: path.relative(lib, target), typeOnly })
        }
        for (const match of source.matchAll(/require\('(\.[^']+)'\)|import\('(\.[^']+)'\)/g)) {
          const target = path.resolve(path.dirname(full), (match[1] ?? match[2])!.replace(/\.js$/, '.ts'))
          found.push({ from: path.relative(lib, full), to: path.relative(lib, target), typeOnly: false })
        }
      }
    }
  }
  walk(lib)
  return found
}

test('no folder of lib/ imports a value from a folder above it, and arenas/ not even a type', t => {
  const all = edges()
  t.true(all.length > 40, `only ${all.length} imports found: the parser is broken`)
  const wrong = all.filter(({ from, to, typeOnly }) => {
    const [a, b] = [LAYERS.indexOf(layerOf(path.join(lib, from))), LAYERS.indexOf(layerOf(path.join(lib, to)))]
    if (b <= a) return false
    return !typeOnly || layerOf(path.join(lib, from)) === 'arenas'
  })
  t.deepEqual(wrong.map(e => `${e.from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`), [])
})

test('allocator/ names arenas/ only for types, and pool/ not at all', t => {
  const fromAllocator = edges().filter(e => e.from.startsWith('allocator'))
  t.deepEqual(fromAllocator.filter(e => e.to.startsWith('pool')).map(e => `${e.from} -> ${e.to}`), [])
  t.deepEqual(fromAllocator.filter(e => e.to.startsWith('arenas') && !e.typeOnly).map(e => `${e.from} -> ${e.to}`), [])
})
