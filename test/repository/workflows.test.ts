// The GitHub workflows as data: every .github/workflows/*.yml parses (with
// the `yaml` package, errors and warnings both failing), and the parts the
// project relies on are there. test.yml runs `npm test` on every OS the
// package supports with every Node it promises, expecting real RIO on the
// Windows runners; release.yml builds N-API prebuilds with prebuildify for
// the six targets and for Alpine (musl) on x64 and arm64, and packs them.
import test from 'ava'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseDocument } from 'yaml'

interface Step {
  name?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, unknown>
}

interface Job {
  'runs-on': string
  needs?: string | string[]
  strategy?: { matrix: Record<string, unknown> & { include?: Array<Record<string, string>> } }
  steps: Step[]
}

interface Workflow {
  name: string
  on: unknown
  jobs: Record<string, Job>
}

// From dist/test, on Linux and under Wine alike.
const dir = path.join(__dirname, '..', '..', '..', '.github', 'workflows')
const files = fs.readdirSync(dir).filter(f => /\.ya?ml$/.test(f)).sort()

function load(file: string): Workflow {
  const doc = parseDocument(fs.readFileSync(path.join(dir, file), 'utf8'), { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length || doc.warnings.length) {
    throw new Error([...doc.errors, ...doc.warnings].map(e => `${file}: ${e.message}`).join('\n'))
  }
  return doc.toJS() as Workflow
}

/** The run: lines of a job, one command per entry. */
function commands(job: Job): string[] {
  return job.steps.flatMap(step => (step.run ?? '').split('\n').map(line => line.trim()).filter(Boolean))
}

test('the workflows are test.yml and release.yml', t => {
  t.deepEqual(files, ['release.yml', 'test.yml'])
})

for (const file of files) {
  test(`${file} parses, and every job has a runner and steps that each use an action or run a command`, t => {
    const workflow = load(file)
    t.is(typeof workflow.name, 'string')
    t.truthy(workflow.on)
    t.true(Object.keys(workflow.jobs).length > 0)
    for (const [name, job] of Object.entries(workflow.jobs)) {
      t.is(typeof job['runs-on'], 'string', `${name}: runs-on`)
      t.true(Array.isArray(job.steps) && job.steps.length > 0, `${name}: steps`)
      for (const step of job.steps) t.true(typeof step.uses === 'string' || typeof step.run === 'string', `${name}: ${JSON.stringify(step)}`)
    }
  })
}

test('test.yml runs npm test after npm ci on Windows x64 and arm64, Linux and macOS, with Node 20, 22, 24 and 26', t => {
  const workflow = load('test.yml')
  t.like(workflow.on, { push: null, pull_request: null })
  const jobs = Object.values(workflow.jobs)
  t.is(jobs.length, 1)
  const job = jobs[0]!
  const matrix = job.strategy!.matrix
  for (const os of ['windows-latest', 'windows-11-arm', 'ubuntu-latest', 'macos-latest']) {
    t.true((matrix.os as string[]).includes(os), `matrix.os has ${os}`)
  }
  for (const node of [20, 22, 24, 26]) t.true((matrix.node as number[]).includes(node), `matrix.node has ${node}`)
  t.is(job['runs-on'], '${{ matrix.os }}')

  const setupNode = job.steps.find(step => step.uses?.startsWith('actions/setup-node@'))
  t.is(setupNode?.with?.['node-version'], '${{ matrix.node }}')
  t.true(job.steps.some(step => step.uses?.startsWith('actions/checkout@')))
  const run = commands(job)
  t.true(run.includes('npm ci'), 'installs devDependencies (node-gyp builds the test helper)')
  t.true(run.includes('npm test'))
  t.true(run.indexOf('npm ci') < run.indexOf('npm test'))
})

test('test.yml expects real RIO on the Windows runners, so the real-RIO tests cannot skip there unnoticed', t => {
  const job = Object.values(load('test.yml').jobs)[0]!
  const npmTest = job.steps.find(step => step.run?.trim() === 'npm test')
  t.is(npmTest?.env?.RIO_BUFFER_POOL_EXPECT_RIO, "${{ startsWith(matrix.os, 'windows') && '1' || '0' }}")
})

test('release.yml builds prebuilds with prebuildify --napi --strip for win32, linux and darwin on x64 and arm64, the Linux ones tagged glibc', t => {
  const prebuild = load('release.yml').jobs.prebuild!
  const include = prebuild.strategy!.matrix.include!
  const targets = include.map(entry => entry.target).sort()
  t.deepEqual(targets, ['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64'])
  const runner: Record<string, RegExp> = { win32: /^windows-/, linux: /^ubuntu-/, darwin: /^macos-/ }
  for (const { os, target, args } of include) {
    const [platform, arch] = target!.split('-') as [string, string]
    t.regex(os!, runner[platform]!, `${target} runs on ${os}`)
    t.regex(args!, new RegExp(`(^|\\s)--arch ${arch}(\\s|$)`), `${target} builds for ${arch}`)
    t.is(/(^|\s)--tag-libc(\s|$)/.test(args!), platform === 'linux', `${target}: --tag-libc on Linux only`)
  }
  t.is(prebuild['runs-on'], '${{ matrix.os }}')
  const build = commands(prebuild).find(line => line.includes('prebuildify'))
  t.regex(build ?? '', /^npx prebuildify --napi --strip \$\{\{ matrix\.args \}\}$/)
  t.true(prebuild.steps.some(step => step.uses?.startsWith('actions/upload-artifact@') && step.with?.path === 'prebuilds/'))
})

test('release.yml builds the musl prebuilds inside node:20-alpine on x64 and arm64, tagged musl, and loads them there', t => {
  const musl = load('release.yml').jobs['prebuild-musl']!
  const include = musl.strategy!.matrix.include!
  t.deepEqual(include.map(entry => entry.target).sort(), ['linux-arm64-musl', 'linux-x64-musl'])
  for (const { os, target, arch } of include) {
    t.regex(os!, /^ubuntu-/, `${target} runs on ${os}`)
    t.is(target, `linux-${arch}-musl`)
  }
  t.is(musl['runs-on'], '${{ matrix.os }}')
  const docker = commands(musl).find(line => line.startsWith('docker run'))
  t.truthy(docker, 'the build runs in a container')
  t.regex(docker!, /\snode:20-alpine\s/)
  t.regex(docker!, /npm ci --ignore-scripts && npx prebuildify --napi --strip --tag-libc --arch \$\{\{ matrix\.arch \}\}/)
  t.regex(docker!, /PREBUILDS_ONLY=1 node .*require\('node-gyp-build'\)\('\.'\)\.platformInfo\(\)/, 'the musl prebuild is the one node-gyp-build picks there, and it loads')
  t.true(musl.steps.some(step => step.uses?.startsWith('actions/upload-artifact@') && step.with?.path === 'prebuilds/'
    && step.with?.name === 'prebuild-${{ matrix.target }}'))
})

test('release.yml packs the package after every prebuild, glibc and musl, with all of them in prebuilds/', t => {
  const { jobs } = load('release.yml')
  const pack = Object.values(jobs).find(job => commands(job).some(line => line.includes('npm pack')))
  t.truthy(pack, 'a job packs the package')
  t.deepEqual([pack!.needs].flat().sort(), ['prebuild', 'prebuild-musl'])
  const download = pack!.steps.find(step => step.uses?.startsWith('actions/download-artifact@'))
  t.like(download?.with, { pattern: 'prebuild-*', path: 'prebuilds', 'merge-multiple': true })
})
