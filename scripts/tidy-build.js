'use strict'
// Runs after node-gyp-build in the install script. When no prebuild fitted
// and node-gyp compiled the addon inside node_modules, the only file the
// package loads is build/Release/rio_buffer_pool.node; the rest of build/
// (Makefiles, object files, config.gypi with the builder's paths, and the
// makefiles node-gyp writes for node-addon-api's gyp targets under
// build/node_modules/) is left over from compiling, so it goes. When npm
// hoisted node-addon-api next to this package, gyp writes those makefiles
// outside build/, into node-addon-api/ here (*.target.mk, *.Makefile): they
// go too, with the folders they leave empty. A clone of the repository (not
// inside node_modules) keeps build/ for incremental builds.
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const build = path.join(root, 'build')
const release = path.join(build, 'Release')
const addon = 'rio_buffer_pool.node'

function removeAllBut(dir, keep) {
  for (const entry of fs.readdirSync(dir)) {
    if (entry !== keep) fs.rmSync(path.join(dir, entry), { recursive: true, force: true })
  }
}

/** Removes gyp's makefiles under dir, and each folder that leaves empty. */
function removeMakefiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) removeMakefiles(full)
    else if (/\.(target\.mk|Makefile)$/.test(entry.name)) fs.rmSync(full)
  }
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir)
}

const installed = path.basename(path.dirname(root)) === 'node_modules'
if (installed && fs.existsSync(path.join(release, addon))) {
  removeAllBut(build, 'Release')
  removeAllBut(release, addon)
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory() && !['build', 'node_modules'].includes(entry.name)) removeMakefiles(path.join(root, entry.name))
  }
}
