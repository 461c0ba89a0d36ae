'use strict'
// Compiles and links an addon straight with a C++ compiler, for builds
// node-gyp does not make: the mingw cross build run under Wine, and the
// simulated-RIO test build. Incremental: an object is rebuilt when its
// source, a header it included (from the compiler's -MMD file) or the flags
// changed; the output is relinked when an object or the link flags did.
const { spawn } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs
  } catch {
    return -1
  }
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit' })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (code === 0) resolve()
      else reject(new Error(`${path.basename(command)} failed (${signal ?? `exit ${code}`}): ${command} ${args.join(' ')}`))
    })
  })
}

// Make's dependency syntax: "obj: src hdr \
//  hdr2", with backslash-escaped spaces.
function dependencies(depFile) {
  let text
  try {
    text = fs.readFileSync(depFile, 'utf8')
  } catch {
    return null
  }
  const body = text.replace(/\\\r?\n/g, ' ').split(/(?<!\\):\s/).slice(1).join(' ')
  return body.split(/(?<!\\)\s+/).filter(Boolean).map((p) => p.replace(/\\ /g, ' '))
}

function upToDate(object, flagsChanged) {
  if (flagsChanged) return false
  const built = mtime(object)
  const inputs = dependencies(object.replace(/\.o$/, '.d'))
  return built >= 0 && inputs !== null && inputs.every((input) => {
    const t = mtime(input)
    return t >= 0 && t <= built
  })
}

function stamp(file, content) {
  const digest = crypto.createHash('sha256').update(content).digest('hex')
  let old = ''
  try {
    old = fs.readFileSync(file, 'utf8')
  } catch {}
  return { changed: old !== digest, save: () => fs.writeFileSync(file, digest) }
}

/**
 * @param {object} o
 * @param {string} o.cxx           compiler driver
 * @param {string} o.root          the directory sources are relative to
 * @param {string[]} o.sources
 * @param {string[]} o.compileFlags  everything but -c/-o (defines, includes, -O, -std ...)
 * @param {string[]} o.linkFlags     everything but objects and -o
 * @param {string} o.objDir
 * @param {string} o.output
 * @returns {Promise<{compiled: number, linked: boolean}>}
 */
async function compileAddon({ cxx, root, sources, compileFlags, linkFlags, objDir, output }) {
  fs.mkdirSync(objDir, { recursive: true })
  fs.mkdirSync(path.dirname(output), { recursive: true })
  const compileStamp = stamp(path.join(objDir, 'compile-flags.sha256'), JSON.stringify([cxx, compileFlags]))

  // One flat directory: a/b.cc -> a__b.o, and ../ (a source outside the gyp
  // file's directory) -> up__, so no object is hidden as a dot file.
  const objectName = (source) => source.replace(/\.\.(?=[\\/])/g, 'up').replace(/[\\/]/g, '__').replace(/\.\w+$/, '.o')
  const objects = sources.map((source) => path.join(objDir, objectName(source)))
  const stale = sources.map((source, i) => ({ source: path.resolve(root, source), object: objects[i] }))
    .filter(({ object }) => !upToDate(object, compileStamp.changed))

  let next = 0
  const worker = async () => {
    while (next < stale.length) {
      const { source, object } = stale[next++]
      await run(cxx, [...compileFlags, '-MMD', '-MF', object.replace(/\.o$/, '.d'), '-c', source, '-o', object])
    }
  }
  await Promise.all(Array.from({ length: Math.min(stale.length, os.availableParallelism()) }, worker))
  compileStamp.save()

  const linkStamp = stamp(path.join(objDir, 'link-flags.sha256'), JSON.stringify([cxx, objects, linkFlags, output]))
  const built = mtime(output)
  const relink = linkStamp.changed || built < 0 || objects.some((object) => mtime(object) > built)
  if (relink) {
    await run(cxx, [...objects, ...linkFlags, '-o', output])
    linkStamp.save()
  }
  return { compiled: stale.length, linked: relink }
}

module.exports = { compileAddon }
