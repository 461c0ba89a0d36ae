'use strict'
// The runnable examples of the README (and of docs/), as a stranger would
// paste them. A fenced block preceded by `<!-- snippet: index.js -->` is the
// file index.js of a default `npm init -y` project (CommonJS; `.mjs` for ES
// modules); one preceded by `<!-- stdout: index.js index.mjs -->` is what
// those files print. Both test/repository/readme-snippets.test.ts (against this
// checkout, the README's and docs/'s) and scripts/test-package.js (against
// the packed tarball, the README's) run them from here.
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const MARKED_FENCE = /<!--\s*(snippet|stdout):\s*([^>]*?)\s*-->\s*\n```[^\n]*\n([\s\S]*?)\n```/g

/** @returns {{ name: string, code: string, stdout: string | undefined }[]} */
function readmeSnippets(readme) {
  const snippets = []
  const stdout = new Map()
  for (const [, kind, names, body] of readme.matchAll(MARKED_FENCE)) {
    if (kind === 'snippet') snippets.push({ name: names, code: body + '\n' })
    else for (const name of names.split(/\s+/)) stdout.set(name, body + '\n')
  }
  return snippets.map((snippet) => ({ ...snippet, stdout: stdout.get(snippet.name) }))
}

/** The package.json `npm init -y` writes: no "type", so `.js` files are CommonJS. */
function npmInitPackage(name) {
  return {
    name,
    version: '1.0.0',
    description: '',
    main: 'index.js',
    scripts: { test: 'echo "Error: no test specified" && exit 1' },
    keywords: [],
    author: '',
    license: 'ISC',
  }
}

/**
 * Writes each snippet into `project` and runs it with `node`; returns what
 * each run printed and how it exited, without judging.
 */
function runSnippets(snippets, project, { node = process.execPath, env = process.env } = {}) {
  return snippets.map((snippet) => {
    fs.writeFileSync(path.join(project, snippet.name), snippet.code)
    const run = spawnSync(node, [snippet.name], { cwd: project, env, encoding: 'utf8', timeout: 60_000 })
    return { ...snippet, status: run.status, signal: run.signal, out: run.stdout, err: run.stderr, error: run.error }
  })
}

/** The failures of `runSnippets`' results, one line each; empty when every snippet ran as the README says. */
function snippetFailures(results) {
  const failures = []
  for (const r of results) {
    if (r.error || r.status !== 0) failures.push(`${r.name}: exit ${r.status ?? r.signal} ${r.error?.message ?? ''}\n${r.err}`)
    else if (r.err !== '') failures.push(`${r.name}: wrote to stderr:\n${r.err}`)
    else if (r.stdout !== undefined && r.out !== r.stdout) failures.push(`${r.name}: printed ${JSON.stringify(r.out)}, the README says ${JSON.stringify(r.stdout)}`)
  }
  return failures
}

module.exports = { readmeSnippets, npmInitPackage, runSnippets, snippetFailures }
