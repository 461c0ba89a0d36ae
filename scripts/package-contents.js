'use strict'
// What the packed package holds, judged by file list: shared by
// test/repository/package-contents.test.ts (npm pack --dry-run of this checkout) and
// scripts/test-package.js (the installed tarball).
const fs = require('node:fs')
const path = require('node:path')

/**
 * The sources named by the .js.map files among `files` (paths inside the
 * package, read from `dir`) that are not themselves among `files`: a map
 * pointing at them would send a debugger to nothing.
 */
function missingMapSources(dir, files) {
  const shipped = new Set(files)
  const missing = []
  for (const file of files.filter((f) => f.endsWith('.js.map'))) {
    const map = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))
    for (const source of map.sources) {
      const inPackage = path.posix.join(path.posix.dirname(file), map.sourceRoot ?? '', source)
      if (!shipped.has(inPackage)) missing.push(`${file} -> ${inPackage}`)
    }
  }
  return missing
}

module.exports = { missingMapSources }
