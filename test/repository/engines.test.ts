// Which Node the package and its tools run on, said once and agreed with
// everywhere: package.json `engines`, every package in the lockfile, and the
// runtimes CI runs the suite on (the machine's Node, and those
// scripts/runtimes.js pins for `npm run test:node`). A package whose engines
// leave one of them out makes `npm ci` warn EBADENGINE there.
import test from 'ava'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as semver from 'semver'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { NODE_VERSIONS }: { NODE_VERSIONS: Record<string, string> } = require('../../../scripts/runtimes.js')

const root = path.join(__dirname, '..', '..', '..')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'))
const ciNodes = [...new Set([process.versions.node, ...Object.values(NODE_VERSIONS)])]
const oldest = semver.minVersion(pkg.engines.node)!.version

interface Locked { name: string; version: string; dev: boolean; node?: string }
const locked: Locked[] = Object.entries(lock.packages as Record<string, { version?: string; dev?: boolean; engines?: { node?: string } }>)
  .filter(([where]) => where !== '')
  .map(([where, p]) => ({ name: where.replace(/^.*node_modules\//, ''), version: p.version ?? '', dev: p.dev === true, node: p.engines?.node }))

test(`package.json engines (${pkg.engines.node}) takes every Node CI runs the suite on: ${ciNodes.join(', ')}`, t => {
  for (const version of ciNodes) t.true(semver.satisfies(version, pkg.engines.node), `engines ${pkg.engines.node} leaves out ${version}`)
})

test(`every dependency of the package installs on the oldest Node its engines take (${oldest}) and on every Node CI runs`, t => {
  const refusing = locked.filter(p => !p.dev && p.node !== undefined)
    .flatMap(p => [oldest, ...ciNodes].filter(v => !semver.satisfies(v, p.node!)).map(v => `${p.name}@${p.version} (node ${p.node}) on ${v}`))
  t.deepEqual(refusing, [])
})

test('every devDependency, and everything it pulls in, takes every Node CI runs: npm ci warns EBADENGINE nowhere', t => {
  const refusing = locked.filter(p => p.dev && p.node !== undefined)
    .flatMap(p => ciNodes.filter(v => !semver.satisfies(v, p.node!, { includePrerelease: true })).map(v => `${p.name}@${p.version} (node ${p.node}) on ${v}`))
  t.deepEqual(refusing, [])
})
