// Where the benchmark's results live. A run of `npm run bench` writes to a
// gitignored folder of its own, so running the main job never changes a
// tracked file; the committed results (what the docs' results block and
// test/bench-results.test.ts read) change only by `npm run bench:publish`.
import * as path from 'node:path'

/** The repository root, from dist/benchmarks/. */
export const ROOT = path.join(__dirname, '..', '..')

/** The committed results: report.json, report.txt and the charts. */
export const PUBLISHED_DIR = path.join(ROOT, 'benchmarks', 'results')

/** Where `npm run bench` writes (gitignored): latest/ for a full run, quick/ for --quick. */
export function runDir(quick: boolean): string {
  return path.join(PUBLISHED_DIR, quick ? 'quick' : 'latest')
}

/** The files of a run that publishing copies (the charts are found by their .svg ending). */
export const REPORT_FILES = ['report.json', 'report.txt'] as const
