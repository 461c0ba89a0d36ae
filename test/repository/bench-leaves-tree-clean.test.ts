// Running the main job leaves the repository as it found it: `npm run bench`
// writes its results to a folder git ignores, so the `npm test` that follows
// still compares the committed results block with the committed report, and
// only `npm run bench:publish` changes them. The quick run below writes by the
// same rule as the full one (runDir); the full run's folder is checked to be
// ignored as well.
import test from 'ava'
import { execFile, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { runDir } from '../../benchmarks/results-paths.js'

const run = promisify(execFile)
// From dist/test/repository/.
const root = path.join(__dirname, '..', '..', '..')

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

function whyNot(): string | null {
  if (process.env.RIO_BUFFER_POOL_UNDER_WINE === '1') return 'under Wine, where there is no git; the Linux run checks this'
  try {
    return fs.realpathSync(git('rev-parse', '--show-toplevel').trim()) === fs.realpathSync(root) ? null : 'the package is not the root of its git checkout'
  } catch {
    return 'not in a git checkout, or no git'
  }
}

/** What git sees: every changed, deleted or new file that is not ignored, and what the changes to tracked files hold. */
function tree(): { status: string; diff: string } {
  return {
    status: git('status', '--porcelain=v1', '--untracked-files=all'),
    diff: createHash('sha256').update(git('diff', 'HEAD', '--binary', '--no-ext-diff')).digest('hex'),
  }
}

const skip = whyNot()

;(skip ? test.skip : test)(`npm run bench changes no tracked file and adds none git would see: node dist/benchmarks/report.js --quick, then git status${skip ? ` (skipped: ${skip})` : ''}`, async t => {
  const before = tree()
  const started = Date.now()
  const { stdout } = await run(process.execPath, [path.join(root, 'dist', 'benchmarks', 'report.js'), '--quick'],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const after = tree()
  t.is(after.status, before.status, 'git status changed: the run wrote where git sees it')
  t.is(after.diff, before.diff, 'the content of tracked files changed')

  // It did write, where runDir says and prints.
  const quickDir = runDir(true)
  t.true(fs.statSync(path.join(quickDir, 'report.json')).mtimeMs >= started - 1000, 'report.json was written by this run')
  t.true(stdout.includes(`Wrote ${path.relative(root, quickDir)}/`), stdout.slice(-400))
  for (const quick of [true, false]) {
    const file = path.relative(root, path.join(runDir(quick), 'report.json'))
    t.notThrows(() => git('check-ignore', '--quiet', file), `${file} is ignored`)
  }
})
