'use strict'
// npm run test:package: the package as a stranger gets it. Builds this
// platform's prebuild (npm run prebuildify), packs the tarball, installs it
// into a fresh `npm init -y` project with no compiler in reach, and runs the
// README's quick start there (CommonJS and ESM). Then checks what a source
// build leaves behind: the same install rebuilt from source, with the
// compiler back, keeps only the addon in build/. Needs the npm registry
// (for the package's two dependencies) and nothing else from the network:
// node-gyp finds Node's headers where the checkout's own build found them.
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { readmeSnippets, runSnippets, snippetFailures } = require('./readme-snippets.js')
const { missingMapSources } = require('./package-contents.js')

if (process.platform === 'win32') {
  // Hiding the compiler takes a POSIX PATH and sh; CI runs this on Linux.
  console.log('test:package: runs on Linux and macOS only; this is win32')
  process.exit(0)
}

const root = path.resolve(__dirname, '..')
const started = Date.now()
const log = (message) => console.log(`[test:package ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`)
const failures = []
const check = (ok, what) => {
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (!ok) failures.push(what)
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rbp-package-'))
const project = path.join(work, 'project')
const installed = path.join(project, 'node_modules', 'rio-buffer-pool')
const prebuildDir = `${process.platform}-${process.arch}`

// The user's environment without what `npm run test:package` adds about this
// checkout, and without a standing request to build from source.
const strangerEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
  !/^npm_(lifecycle_|package_|command$|config_local_prefix$|config_call$|config_build_from_source$)/i.test(name)))
// node-gyp compiles on every core.
const buildEnv = { ...strangerEnv, JOBS: 'max' }

// npm itself, run by this node: `npm` on PATH is not needed once PATH is cut down.
const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)
  ? process.env.npm_execpath
  : path.join(path.dirname(which('npm')), 'npm-cli.js')

function npm(args, { cwd, env = process.env, allowFailure = false }) {
  const run = spawnSync(process.execPath, [npmCli, ...args], { cwd, env, encoding: 'utf8' })
  if (run.status !== 0 && !allowFailure) {
    throw new Error(`npm ${args.join(' ')} failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`)
  }
  return run
}

/** The absolute path of a command on PATH, or null. */
function which(command) {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim()
  return found ? fs.realpathSync(found) : null
}

/**
 * An environment in which nothing can be compiled: CC and CXX name a file
 * that does not exist, PATH holds no compiler, and nothing asks for a build
 * from source. PATH keeps `node`, `sh` (npm runs scripts with it) and `make`,
 * and PYTHON names Python, so that a build would get as far as the compiler.
 */
function noCompilerEnv(binDir) {
  fs.mkdirSync(binDir)
  for (const [name, target] of [['node', process.execPath], ['sh', '/bin/sh'], ['make', which('make')]]) {
    if (target) fs.symlinkSync(target, path.join(binDir, name))
  }
  const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout?.trim()
  return { ...strangerEnv, PATH: binDir, CC: '/nonexistent/cc', CXX: '/nonexistent/c++', ...(python ? { PYTHON: python } : {}) }
}

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)).split(path.sep).join('/'))
    .sort()
}

/** tsc, as `prepare` would run it in npm pack, in the background while the addon compiles. */
function compileTypeScript() {
  const tsc = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' })
  return new Promise((resolve, reject) => tsc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc failed (exit ${code})`)))))
}

async function main() {
  log(`npm run prebuildify (${prebuildDir}), and tsc`)
  const typescript = compileTypeScript()
  npm(['run', 'prebuildify'], { cwd: root, env: buildEnv })
  // prebuildify strips the addon in build/Release, which node-gyp hard-links
  // to the linker's output, then moves it out: relink the checkout's own from
  // its (current) objects, unstripped, for the tests that load it.
  fs.rmSync(path.join(root, 'build', 'Release', 'obj.target', 'rio_buffer_pool.node'), { force: true })
  npm(['run', 'build:native'], { cwd: root, env: buildEnv })
  await typescript
  check(fs.existsSync(path.join(root, 'build', 'Release', 'rio_buffer_pool.node')), "the checkout keeps its own build/Release/rio_buffer_pool.node")

  log('npm pack')
  const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root }).stdout)
  const tarball = path.join(work, packed.filename)
  const packedFiles = packed.files.map((f) => f.path)
  check(packedFiles.includes('LICENSE'), 'the tarball has LICENSE')
  check(packedFiles.some((f) => f.startsWith(`prebuilds/${prebuildDir}/`)), `the tarball has the ${prebuildDir} prebuild`)
  check(!packedFiles.some((f) => f.startsWith('build/')), 'the tarball has no build/')
  check(!packedFiles.some((f) => f.startsWith('native/simulated/')), 'the tarball has no native/simulated/ (test builds only; no npm install compiles it)')

  fs.mkdirSync(project)
  npm(['init', '-y'], { cwd: project, env: strangerEnv })
  const env = noCompilerEnv(path.join(work, 'bin'))
  log('npm install <tarball>, no compiler')
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project, env })

  const files = filesUnder(installed)
  check(!files.some((f) => f.startsWith('build/')), `the prebuild was used: no build/ in node_modules/rio-buffer-pool (${files.filter((f) => f.startsWith('build/')).join(', ') || 'none'})`)
  const missing = missingMapSources(installed, files)
  check(missing.length === 0, `every source map's sources are installed${missing.length ? `: missing ${missing.join(', ')}` : ''}`)

  const snippets = readmeSnippets(fs.readFileSync(path.join(root, 'README.md'), 'utf8'))
  const quickStart = snippetFailures(runSnippets(snippets, project, { env }))
  check(snippets.length >= 2 && quickStart.length === 0, `the README's ${snippets.map((s) => s.name).join(' and ')} run as written${quickStart.length ? `:\n${quickStart.join('\n')}` : ''}`)

  // The control: in the same environment a build from source must fail, or
  // the install above proved nothing about the prebuild.
  const fromSource = { npm_config_build_from_source: 'true' }
  const forced = npm(['rebuild', 'rio-buffer-pool'], { cwd: project, env: { ...env, ...fromSource }, allowFailure: true })
  const compilerMissing = forced.stderr.split('\n').find((line) => line.includes('/nonexistent/c'))
  check(forced.status !== 0 && compilerMissing !== undefined,
    `in the same environment a build from source fails at the compiler: ${compilerMissing?.trim() ?? `exit ${forced.status}, ${forced.stderr.trim().split('\n').pop()}`}`)

  log('npm rebuild with npm_config_build_from_source=true, compiler back')
  npm(['rebuild', 'rio-buffer-pool'], { cwd: project, env: { ...buildEnv, ...fromSource } })
  const built = filesUnder(path.join(installed, 'build'))
  check(built.join() === 'Release/rio_buffer_pool.node', `a source build leaves only build/Release/rio_buffer_pool.node (${built.join(', ')})`)
  // Anywhere in the package, not only in build/: node-gyp writes the
  // makefiles of node-addon-api's gyp targets next to where it finds them.
  const leftovers = filesUnder(installed).filter((f) => !packedFiles.includes(f) && f !== 'build/Release/rio_buffer_pool.node')
  check(leftovers.length === 0, `a source build adds nothing to the package but the addon${leftovers.length ? `: ${leftovers.join(', ')}` : ''}`)
  const onSourceBuild = snippetFailures(runSnippets(snippets, project, { env: strangerEnv }))
  check(onSourceBuild.length === 0, `the quick start runs on the source build${onSourceBuild.length ? `:\n${onSourceBuild.join('\n')}` : ''}`)
}

main().catch((error) => {
  failures.push(error.message)
  console.error(error.message)
}).finally(() => {
  fs.rmSync(work, { recursive: true, force: true })
  log(failures.length ? `${failures.length} failed` : 'all passed')
  process.exitCode = failures.length ? 1 : 0
})
