// Runs a benny suite quietly and returns nanoseconds per operation by case.
import * as b from 'benny'

export type Case = () => unknown

const options = { minSamples: 40, maxTime: 1.5 }

export async function nsPerOp(suite: string, cases: Record<string, Case>): Promise<Map<string, { ns: number; margin: number }>> {
  const write = process.stdout.write
  process.stdout.write = (() => true) as typeof process.stdout.write // benny draws progress bars
  try {
    const summary = await b.suite(suite, ...Object.entries(cases).map(([name, fn]) => b.add(name, fn, options)))
    return new Map(summary.results.map(r => [r.name, { ns: 1e9 / r.ops, margin: r.margin }]))
  } finally {
    process.stdout.write = write
  }
}

export function formatNs(ns: number): string {
  return ns < 10 ? ns.toFixed(2) : ns < 100 ? ns.toFixed(1) : ns.toFixed(0)
}

export function row(cells: Array<string | number>, widths: number[]): string {
  return cells.map((cell, k) => (k === 0 ? String(cell).padEnd(widths[k]!) : String(cell).padStart(widths[k]!))).join('  ')
}
