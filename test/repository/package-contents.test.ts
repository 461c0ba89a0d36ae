// What installing the package's tarball puts in a stranger's node_modules: the
// licence and the metadata npm shows, the files the tarball holds (what the
// code, its source maps, its install script and a source build need, and no
// build output or tests), the changelog entry of the packed version, and
// the install script's tidying after a source build. `npm run test:package`
// installs the real tarball.
import test from 'ava'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { missingMapSources }: { missingMapSources(dir: string, files: string[]): string[] } = require('../../../scripts/package-contents.js')
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { gypTarget }: { gypTarget(file: string, target: string, variables: object): { sources: string[] } } = require('../../../scripts/gyp-target.js')

// From dist/test, on Linux and under Wine alike.
const root = path.join(__dirname, '..', '..', '..')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const underWine = process.env.RIO_BUFFER_POOL_UNDER_WINE === '1'

test('LICENSE is the MIT licence package.json names, held by the rio-buffer-pool contributors', t => {
  const license = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8')
  t.is(pkg.license, 'MIT')
  t.regex(license, /^MIT License\n\nCopyright \(c\) \d{4} rio-buffer-pool contributors\n/)
  t.regex(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/)
})

test('package.json names the author, and the repository its homepage and bug tracker belong to', t => {
  t.is(pkg.author, 'rio-buffer-pool contributors')
  const match = /^git\+(https:\/\/github\.com\/[\w.-]+\/[\w.-]+)\.git$/.exec(pkg.repository?.url)
  t.truthy(match, `repository.url ${pkg.repository?.url}`)
  t.is(pkg.repository.type, 'git')
  t.is(pkg.homepage, `${match![1]}#readme`)
  t.is(pkg.bugs?.url, `${match![1]}/issues`)
})

test(`the tarball ships the code, its sources for the maps, the install script and what a source build needs, and no build output or tests${underWine ? ' (skipped under Wine: it runs npm pack, and Wine has no npm)' : ''}`, t => {
  if (underWine) return t.pass()
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }))
  const files: string[] = packed.files.map((f: { path: string }) => f.path)
  for (const file of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'binding.gyp', 'dist/lib/index.js', 'dist/lib/index.d.ts']) {
    t.true(files.includes(file), `ships ${file}`)
  }
  t.deepEqual(files.filter(f => /^(build|test|benchmarks|scripts\/windows|dist\/(test|benchmarks))\/|^\./.test(f)), [])

  t.deepEqual(missingMapSources(root, files), [], 'every .js.map points at a shipped .ts')
  t.true(files.some(f => f.endsWith('.js.map')), 'there are maps to check')

  const installScripts = [...pkg.scripts.install.matchAll(/\bnode (\S+)/g)].map(m => m[1])
  t.deepEqual(installScripts.filter(file => !files.includes(file)), [], `the install script's files: ${installScripts}`)

  for (const OS of ['linux', 'mac', 'win']) {
    const { sources } = gypTarget(path.join(root, 'binding.gyp'), 'rio_buffer_pool', { OS })
    t.deepEqual(sources.filter(source => !files.includes(source)), [], `a source build on ${OS} finds its sources`)
  }
})

test('CHANGELOG.md has [Unreleased] on top, then the packed version as the latest release, with link references for both', t => {
  const changelog = fs.readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8')
  const sections = [...changelog.matchAll(/^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$/gm)].map(m => ({ name: m[1], date: m[2] }))
  t.is(sections[0]?.name, 'Unreleased')
  t.is(sections[1]?.name, pkg.version)
  t.regex(sections[1]?.date ?? '', /^\d{4}-\d{2}-\d{2}$/, `## [${pkg.version}] - <date>`)
  for (const { name } of sections) t.regex(changelog, new RegExp(`^\\[${name.replace(/\./g, '\\.')}\\]: https://\\S+$`, 'm'), `a link reference for [${name}]`)
})

// Part of what node-gyp leaves in build/ on Linux.
const sourceBuild = [
  'build/Makefile', 'build/Release/.deps/Release/rio_buffer_pool.node.d',
  'build/Release/obj.target/rio_buffer_pool/native/binding/binding.o', 'build/Release/rio_buffer_pool.node',
  'build/config.gypi', 'build/node_modules/node-addon-api/node_addon_api_except.target.mk', 'build/rio_buffer_pool.target.mk',
  // Where npm hoisted node-addon-api beside the package, gyp writes its makefiles here, outside build/.
  'node-addon-api/node_addon_api.Makefile', 'node-addon-api/node_addon_api_except.target.mk',
]
const shipped = 'lib/index.ts'

// Runs a copy of scripts/tidy-build.js as it sits in `packageDir` over such a build/; returns the files left but itself.
function tidyAfterSourceBuild(packageDir: string): string[] {
  for (const file of [...sourceBuild, shipped]) {
    fs.mkdirSync(path.dirname(path.join(packageDir, file)), { recursive: true })
    fs.writeFileSync(path.join(packageDir, file), '')
  }
  fs.mkdirSync(path.join(packageDir, 'scripts'))
  fs.copyFileSync(path.join(root, 'scripts', 'tidy-build.js'), path.join(packageDir, 'scripts', 'tidy-build.js'))
  execFileSync(process.execPath, [path.join('scripts', 'tidy-build.js')], { cwd: packageDir })
  return fs.readdirSync(packageDir, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map(entry => path.relative(packageDir, path.join(entry.parentPath ?? entry.path, entry.name)).split(path.sep).join('/'))
    .filter(file => file !== 'scripts/tidy-build.js')
    .sort()
}

test('after a source build inside node_modules, the install script adds only build/Release/rio_buffer_pool.node to what was packed (no makefiles, in build/ or beside it); a clone keeps its build/', t => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbp-tidy-'))
  try {
    t.deepEqual(tidyAfterSourceBuild(path.join(dir, 'node_modules', 'rio-buffer-pool')), ['build/Release/rio_buffer_pool.node', shipped])
    t.deepEqual(tidyAfterSourceBuild(path.join(dir, 'clone')), [...sourceBuild, shipped].sort())
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
