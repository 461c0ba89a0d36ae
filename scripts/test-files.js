'use strict'
// Compiled test files by name, whichever concern's folder holds them:
// 'arena' is dist/test/arenas/arena.test.js. Test basenames are unique, so
// scripts and mutant lists name tests without knowing the folders.
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')

function testFiles(names, dir = path.join(root, 'dist', 'test')) {
  const byName = new Map()
  const walk = (at) => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith('.test.js')) byName.set(entry.name.slice(0, -'.test.js'.length), path.relative(root, full))
    }
  }
  walk(dir)
  return names.map((name) => {
    const file = byName.get(name)
    if (file === undefined) throw new Error(`no test named ${name} under ${path.relative(root, dir)} (build first: npm run build:ts)`)
    return file
  })
}

module.exports = { testFiles }
