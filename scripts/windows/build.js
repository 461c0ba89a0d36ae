'use strict'
// Cross-compiles for Windows x64 with mingw-w64, each from its binding.gyp's
// own lists (OS=='win'): the addon's release variant (the real Winsock RIO
// provider) and simulated-RIO test variant, and the test-only RIO loopback
// helper of test/native (whose tests skip under Wine, which has no RIO, but
// whose argument checks and error path still run there).
//
// node.exe exports the napi_* functions; an import library for them is made
// from node-api-headers' .def files. The addon is linked statically against
// libgcc/libstdc++/winpthread, so it needs only node.exe and system DLLs.
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { compileAddon } = require('../compile-addon.js')
const { gypTarget } = require('../gyp-target.js')
const { root, importLibDir, objDir, addonDirs, testHelperDir } = require('./paths.js')

const CXX = 'x86_64-w64-mingw32-g++-posix'  // the win32 thread model has no std::mutex
const DLLTOOL = 'x86_64-w64-mingw32-dlltool'

function ensureImportLib() {
  const headers = require('node-api-headers')
  const defs = [headers.def_paths.node_api_def, headers.def_paths.js_native_api_def]
  const lib = path.join(importLibDir, 'libnode.a')
  const built = fs.existsSync(lib) ? fs.statSync(lib).mtimeMs : -1
  if (defs.every((d) => fs.statSync(d).mtimeMs <= built)) return importLibDir

  const symbols = new Set()
  for (const def of defs) {
    const lines = fs.readFileSync(def, 'utf8').split(/\r?\n/).map((l) => l.trim())
    for (const line of lines.slice(lines.indexOf('EXPORTS') + 1)) if (line) symbols.add(line)
  }
  fs.mkdirSync(importLibDir, { recursive: true })
  const def = path.join(importLibDir, 'node.def')
  fs.writeFileSync(def, ['LIBRARY node.exe', 'EXPORTS', ...[...symbols].sort(), ''].join('\n'))
  execFileSync(DLLTOOL, ['-d', def, '-D', 'node.exe', '-l', lib], { stdio: 'inherit' })
  return importLibDir
}

/**
 * Builds one target of a gyp file into <outDir>/build/Release/<target>.node.
 * Sources are relative to the gyp file, as gyp has them.
 */
async function buildTarget({ name, gypFile, targetName, variables = {}, outDir, libDir }) {
  const target = gypTarget(gypFile, targetName, { OS: 'win', ...variables })
  const compileFlags = [
    '-O2', '-std=c++17', '-Wall', '-Wextra',  // the gyp files ask MSVC for /std:c++17
    // What node-gyp defines for every Windows addon that the headers look at:
    // BUILDING_NODE_EXTENSION makes napi_* dllimport.
    '-DBUILDING_NODE_EXTENSION', `-DNODE_GYP_MODULE_NAME=${targetName}`,
    ...target.defines.map((d) => `-D${d}`),
    ...[require('node-api-headers').include_dir, ...target.include_dirs].map((d) => `-I${d}`),
  ]
  const linkFlags = [
    '-shared', '-static', '-static-libgcc', '-static-libstdc++', '-s',
    `-L${libDir}`, '-lnode', ...target.libraries,
  ]
  const output = path.join(outDir, 'build', 'Release', `${targetName}.node`)
  const result = await compileAddon({
    cxx: CXX, root: path.dirname(gypFile), sources: target.sources, compileFlags, linkFlags,
    objDir: path.join(objDir, name), output,
  })
  return { name, dir: outDir, output, ...result }
}

/**
 * native/win/rio_types.h declares only what the toolchain lacks: compile the
 * Winsock code once more as if the toolchain were a newer mingw-w64 whose
 * mswsockdef.h has RIO_BUF and RIO_INVALID_* but not the GUID (syntax only).
 */
function checkNewerToolchainHeaders() {
  const standIn = path.join(root, 'test', 'native', 'newer_mswsockdef.h')
  for (const source of ['native/win/rio_winsock.cc', 'test/native/rio_loopback.cc']) {
    execFileSync(CXX, ['-fsyntax-only', '-std=c++17', '-Wall', '-Wextra', '-include', standIn, path.join(root, source)],
      { stdio: 'inherit' })
  }
}

/** Builds all three; resolves with [{name, dir, output, compiled, linked}]. */
async function buildWindowsAddons() {
  checkNewerToolchainHeaders()
  const libDir = ensureImportLib()
  const addon = { gypFile: path.join(root, 'binding.gyp'), targetName: 'rio_buffer_pool', libDir }
  const helper = { gypFile: path.join(root, 'test', 'native', 'binding.gyp'), targetName: 'rio_loopback', libDir }
  // One after the other: each already compiles its sources in parallel.
  return [
    await buildTarget({ ...addon, name: 'release', outDir: addonDirs.release }),
    await buildTarget({ ...addon, name: 'simulated', outDir: addonDirs.simulated, variables: { simulated_rio: 1 } }),
    await buildTarget({ ...helper, name: 'test-helper', outDir: testHelperDir }),
  ]
}

module.exports = { buildWindowsAddons }
