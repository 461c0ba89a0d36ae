// npm run bench:publish: makes the latest full run of `npm run bench`
// (benchmarks/results/latest/) the committed results in benchmarks/results/:
// report.json, report.txt and the charts. The package script then runs
// `npm run bench:readme`'s entry point, which rewrites the results block from
// the published report.json. Publishing is a step of its own, so that running
// the benchmark never changes a tracked file (and never breaks `npm test`,
// which compares the block with the committed report).
import * as fs from 'node:fs'
import * as path from 'node:path'
import { PUBLISHED_DIR, REPORT_FILES, ROOT, runDir } from './results-paths.js'

interface RunMeta {
  readonly mode: 'full' | 'quick'
  readonly date: string
  readonly commit: string | null
}

function main(): void {
  const from = runDir(false)
  const shown = (dir: string) => path.relative(ROOT, dir)
  const reportFile = path.join(from, 'report.json')
  if (!fs.existsSync(reportFile)) {
    throw new Error(`${shown(reportFile)} does not exist: run \`npm run bench\` (the full run) first, then publish it`)
  }
  const meta = (JSON.parse(fs.readFileSync(reportFile, 'utf8')) as { meta: RunMeta }).meta
  // A quick run never lands in latest/, but a report copied there by hand might.
  if (meta.mode !== 'full') throw new Error(`${shown(reportFile)} is a ${meta.mode} run: only a full \`npm run bench\` is published`)
  const files = [...REPORT_FILES, ...fs.readdirSync(from).filter(name => name.endsWith('.svg')).sort()]
  for (const name of files) fs.copyFileSync(path.join(from, name), path.join(PUBLISHED_DIR, name))
  console.log(`${shown(PUBLISHED_DIR)}/: ${files.join(', ')} published from ${shown(from)}/ ` +
    `(the run of ${meta.date}${meta.commit ? ` at commit ${meta.commit.slice(0, 7)}` : ''})`)
}

try {
  main()
} catch (error) {
  console.error(`bench:publish: ${(error as Error).message}`)
  process.exitCode = 1
}
