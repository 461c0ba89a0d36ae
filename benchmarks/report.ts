// npm run bench: the benchmark report. Every ratio is against a baseline
// measured in this same run; absolute figures vary with the machine.
import * as os from 'node:os'
import { platform } from '../lib/index.js'
import { footprint } from './footprint.js'
import { hotPath } from './hot-path.js'
import { scaling } from './scaling.js'

async function main(): Promise<void> {
  const info = platform()
  console.log(`rio-buffer-pool benchmark report`)
  console.log(`node ${process.version}, ${process.platform} ${process.arch}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? 'unknown CPU'}`)
  console.log(`RIO ${info.rio.available ? 'available: arenas registered' : `unavailable (${info.rio.error?.code}): arenas unregistered`}`)
  console.log('')
  for (const line of footprint().lines) console.log(line)
  console.log('')
  for (const line of (await hotPath()).lines) console.log(line)
  console.log('')
  const quick = process.argv.includes('--quick')
  for (const line of (await scaling(quick ? [1_000, 100_000] : undefined)).lines) console.log(line)
}

main().catch(error => {
  console.error(error)
  process.exitCode = 1
})
