// npm run bench: the benchmark report. Every ratio is against a baseline
// measured in the same run. Each measurement runs in a fresh Node process, so
// none inherits another's type feedback or heap.
import { execFileSync } from 'node:child_process'
import * as os from 'node:os'
import { platform } from '../lib/index.js'
import { footprint } from './footprint.js'
import { hotPath } from './hot-path.js'
import { SCALING_COUNTS, scalingPoint, scalingTable } from './scaling.js'

function inChild(...args: string[]): string {
  return execFileSync(process.execPath, [__filename, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
}

async function child(section: string, arg: string | undefined): Promise<void> {
  if (section === 'hot-path') console.log((await hotPath()).lines.join('\n'))
  else if (section === 'scaling') process.stdout.write(String(await scalingPoint(Number(arg))))
  else if (section === 'footprint') console.log(footprint().lines.join('\n'))
  else throw new Error(`unknown section ${section}`)
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--section')
  if (at >= 0) return child(process.argv[at + 1]!, process.argv[at + 2])

  const info = platform()
  console.log('rio-buffer-pool benchmark report')
  console.log(`node ${process.version}, ${process.platform} ${process.arch}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? 'unknown CPU'}`)
  console.log(`RIO ${info.rio.available ? 'available: arenas registered' : `unavailable (${info.rio.error?.code}): arenas unregistered`}`)
  console.log('The pool is reached as a module-level const, as a user module would hold it.')
  console.log('')
  process.stdout.write(inChild('--section', 'hot-path'))
  console.log('')
  const counts = process.argv.includes('--quick') ? SCALING_COUNTS.slice(0, 2) : SCALING_COUNTS
  const ns = counts.map(live => Number(inChild('--section', 'scaling', String(live))))
  console.log(scalingTable(counts, ns).join('\n'))
  console.log('')
  process.stdout.write(inChild('--section', 'footprint'))
}

main().catch(error => {
  console.error(error)
  process.exitCode = 1
})
