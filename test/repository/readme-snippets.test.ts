// The README's quick start runs as written, in a default `npm init -y`
// project (CommonJS) and as an ES module, and prints what the README says it
// prints; so does every block of docs/*.md marked as a snippet (the io_uring
// example, say). The project's node_modules holds a copy of this checkout's
// package (its `files`, package.json and the built addon) and its
// dependencies, as an install would leave them: copied rather than linked,
// because Wine cannot link its C: drive to the checkout.
// `npm run test:package` runs the README's snippets against the packed
// tarball.
import test from 'ava'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

interface Snippet { name: string; code: string; stdout: string | undefined }
interface SnippetRun extends Snippet { status: number | null }

// scripts/ is plain JS shared with scripts/test-package.js.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snippets: {
  readmeSnippets(readme: string): Snippet[]
  npmInitPackage(name: string): object
  runSnippets(snippets: Snippet[], project: string): SnippetRun[]
  snippetFailures(results: SnippetRun[]): string[]
} = require('../../../scripts/readme-snippets.js')

// From dist/test, on Linux and under Wine alike.
const root = path.join(__dirname, '..', '..', '..')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const readme = snippets.readmeSnippets(fs.readFileSync(path.join(root, 'README.md'), 'utf8'))
const docs = fs.readdirSync(path.join(root, 'docs')).filter(file => file.endsWith('.md')).sort()
  .flatMap(file => snippets.readmeSnippets(fs.readFileSync(path.join(root, 'docs', file), 'utf8')).map(snippet => ({ page: `docs/${file}`, snippet })))

let project = ''

test.before(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'rbp-readme-'))
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify(snippets.npmInitPackage('readme-project'), null, 2))
  const modules = path.join(project, 'node_modules')
  const installed = path.join(modules, pkg.name)
  for (const entry of ['package.json', 'build/Release/rio_buffer_pool.node', ...pkg.files]) {
    if (fs.existsSync(path.join(root, entry))) fs.cpSync(path.join(root, entry), path.join(installed, entry), { recursive: true })
  }
  for (const dependency of Object.keys(pkg.dependencies)) {
    fs.cpSync(path.join(root, 'node_modules', dependency), path.join(modules, dependency), { recursive: true })
  }
})

test.after.always(() => {
  if (project) fs.rmSync(project, { recursive: true, force: true })
})

test('the README has the quick start as CommonJS (index.js) and as an ES module (index.mjs), with what they print', t => {
  t.deepEqual(readme.map(s => s.name), ['index.js', 'index.mjs'])
  for (const snippet of readme) t.truthy(snippet.stdout, `${snippet.name} has a stdout block`)
  t.regex(readme[0]!.code, /require\('rio-buffer-pool'\)/)
  t.regex(readme[1]!.code, /^import .* from 'rio-buffer-pool'$/m)
})

for (const snippet of readme) {
  test(`README ${snippet.name} runs as written in an npm init -y project and prints what the README shows`, t => {
    const failures = snippets.snippetFailures(snippets.runSnippets([snippet], project))
    t.deepEqual(failures, [])
  })
}

test('the snippets of docs/ have names of their own', t => {
  const names = [...readme, ...docs.map(d => d.snippet)].map(s => s.name)
  t.deepEqual(names, [...new Set(names)])
  t.true(docs.length > 0, 'docs/io-uring.md has a snippet')
})

for (const { page, snippet } of docs) {
  test(`${page} ${snippet.name} runs as written in the same project, without a word on stderr${snippet.stdout === undefined ? '' : ', and prints what the page shows'}`, t => {
    t.deepEqual(snippets.snippetFailures(snippets.runSnippets([snippet], project)), [])
  })
}
