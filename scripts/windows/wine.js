'use strict'
// Wine for one private prefix under .windows/: 64-bit, quiet, reporting
// Windows 10 (node.exe refuses Wine's default Windows 7 with exit code 216).
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { winePrefix } = require('./paths.js')

// Debian's wine64 keeps the 64-bit loader and server off PATH.
const WINE64 = '/usr/lib/wine/wine64'
// Looked up when used: on a fresh machine Wine is installed after this loads.
const wineserver = () => ['/usr/lib/wine/wineserver64', '/usr/lib/wine/wineserver']
  .find((p) => fs.existsSync(p)) ?? 'wineserver'

const wineEnv = (extra = {}) => ({
  ...process.env,
  WINEPREFIX: winePrefix,
  WINEARCH: 'win64',
  WINEDEBUG: '-all',
  // No Mono or Gecko install prompts while the prefix is created.
  WINEDLLOVERRIDES: 'mscoree,mshtml=',
  ...extra,
})

/** The Windows name of a path on this machine (Wine maps / to Z:). */
function windowsPath(unixPath) {
  return 'Z:' + path.resolve(unixPath).replace(/\//g, '\\')
}

function ensurePrefix(log) {
  const marker = path.join(winePrefix, '.rio-buffer-pool-win10')
  if (fs.existsSync(marker)) return
  log(`creating the Wine prefix ${winePrefix}`)
  fs.mkdirSync(winePrefix, { recursive: true })
  const r = spawnSync(WINE64, ['winecfg', '-v', 'win10'], { env: wineEnv(), stdio: ['ignore', 'inherit', 'inherit'] })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`wine64 winecfg -v win10 failed with exit code ${r.status}`)
  // The registry reaches disk when the server exits; only then is the prefix done.
  spawnSync(wineserver(), ['-w'], { env: wineEnv(), stdio: 'ignore' })
  fs.writeFileSync(marker, 'winecfg -v win10\n')
}

/**
 * Runs a Windows program with stdout and stderr in `outputFile`, passed
 * through here as it grows and handed to onOutput. A file, because a
 * Windows node.exe under Wine cannot open a Unix pipe as its stdout (EBADF
 * from net.Socket). Resolves with the exit code.
 */
function runWindows(args, { cwd, env, outputFile, onOutput }) {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(outputFile, 'w')
    let child
    try {
      child = spawn(WINE64, args, { cwd, env: wineEnv(env), stdio: ['ignore', out, out] })
    } finally {
      fs.closeSync(out)
    }
    const reader = fs.openSync(outputFile, 'r')
    const chunk = Buffer.alloc(65536)
    const pump = () => {
      for (let n; (n = fs.readSync(reader, chunk, 0, chunk.length, null)) > 0;) {
        process.stdout.write(chunk.subarray(0, n))
        onOutput?.(chunk.toString('utf8', 0, n))
      }
    }
    const timer = setInterval(pump, 250)
    const done = (fn) => {
      clearInterval(timer)
      pump()
      fs.closeSync(reader)
      fn()
    }
    child.on('error', (error) => done(() => reject(error)))
    child.on('exit', (code, signal) => done(() => resolve(signal ? 128 : code)))
  })
}

/** Stops the prefix's wineserver and everything still running in it. */
function stopWine() {
  spawnSync(wineserver(), ['-k'], { env: wineEnv(), stdio: 'ignore' })
}

module.exports = { ensurePrefix, runWindows, stopWine, windowsPath }
