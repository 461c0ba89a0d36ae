'use strict'
// npm run test:windows: the package's ava suite on its Windows code path,
// on Linux: the addon cross-built with mingw-w64, ava itself run by a
// Windows node.exe under Wine. Arguments are passed on to ava.
//
// The cross-built addon reaches the Windows node.exe through node-gyp-build's
// RIO_BUFFER_POOL_PREBUILD (it then looks in that directory's build/Release),
// so the Linux build/ stays as it is. RIO_BUFFER_POOL_SIMULATED names the
// simulated-RIO variant for test/rio/rio-simulated.test.ts.
//
// Wine implements no Registered I/O, so the release addon reports RIO as
// unavailable (WSAEOPNOTSUPP); the RIO path itself runs against the simulation.
// RIO_BUFFER_POOL_UNDER_WINE=1 tells test/rio/windows-wine.test.ts where it runs,
// and RIO_BUFFER_POOL_TEST_HELPERS names the cross-built test/native helper
// for test/rio/rio-real.test.ts (whose real-RIO tests then skip, saying why).
const { execFileSync } = require('node:child_process')
const path = require('node:path')
const { ensurePrerequisites } = require('./prerequisites.js')
const { buildWindowsAddons } = require('./build.js')
const { ensurePrefix, runWindows, stopWine, windowsPath } = require('./wine.js')
const { root, cache, nodeExe, addonDirs, testHelperDir } = require('./paths.js')

const started = Date.now()
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1)
const log = (message) => console.log(`[test:windows ${seconds(started).padStart(5)}s] ${message}`)

async function phase(name, fn) {
  const at = Date.now()
  const result = await fn()
  log(`${name} done in ${seconds(at)}s`)
  return result
}

function summarize(tap) {
  const count = (label) => {
    const m = new RegExp(`^# ${label} (\\d+)\\s*$`, 'm').exec(tap)
    return m ? Number(m[1]) : null
  }
  const failures = [...tap.matchAll(/^not ok \d+ - (.*)$/gm)].map((m) => m[1])
  return { passed: count('pass'), failed: count('fail'), skipped: count('skip') ?? 0, failures }
}

// Printed last: the plain closing line CI readers understand.
let closingLine = ''

async function main() {
  await phase('prerequisites', () => ensurePrerequisites(log))
  await phase('tsc', () => execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'],
    { cwd: root, stdio: 'inherit' }))
  const builds = await phase('cross build', buildWindowsAddons)
  for (const b of builds) log(`${b.name}: ${path.relative(root, b.output)} (${b.compiled} compiled${b.linked ? ', linked' : ''})`)
  await phase('wine prefix', () => ensurePrefix(log))

  let tap = ''
  const exitCode = await phase('ava under Wine', () => runWindows(
    [nodeExe, path.join('node_modules', 'ava', 'entrypoints', 'cli.mjs'), '--tap', ...process.argv.slice(2)],
    {
      cwd: root,
      env: {
        RIO_BUFFER_POOL_PREBUILD: windowsPath(addonDirs.release),
        RIO_BUFFER_POOL_SIMULATED: windowsPath(addonDirs.simulated),
        RIO_BUFFER_POOL_TEST_HELPERS: windowsPath(testHelperDir),
        RIO_BUFFER_POOL_UNDER_WINE: '1',
      },
      outputFile: path.join(cache, 'ava-output.txt'),
      onOutput: (text) => { tap += text },
    }))

  const { passed, failed, skipped, failures } = summarize(tap)
  console.log('')
  if (passed === null || failed === null) {
    log(`ava (node.exe exit code ${exitCode}) printed no summary: the run did not complete`)
    return 1
  }
  log(`node.exe exit code ${exitCode}`)
  for (const title of failures) log(`  failed: ${title}`)
  closingLine = `wine: ${passed} passed, ${failed} failed, ${skipped} skipped`
  return failed > 0 || exitCode !== 0 ? 1 : 0
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopWine()
    process.exit(130)
  })
}

main().then(
  (code) => {
    stopWine()
    log(`total ${seconds(started)}s`)
    if (closingLine) console.log(closingLine)
    process.exitCode = code
  },
  (error) => {
    stopWine()
    console.error(`test:windows: ${error.message}`)
    process.exitCode = 1
  },
)
