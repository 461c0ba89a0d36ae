// Tests of how Node itself behaves around the package (its module loader,
// its stack traces, its exit codes), which Bun does otherwise: under Bun
// (`npm run test:bun`) they are skipped with the difference in the title.
import test, { type ExecutionContext } from 'ava'

export const onBun = typeof (process.versions as { bun?: string }).bun === 'string'

/** A test of Node's own behaviour; skipped under Bun, saying how Bun differs. */
export function nodeOnly(title: string, bunDiffers: string, fn: (t: ExecutionContext) => void | Promise<void>): void {
  if (onBun) test.skip(`${title} (skipped under Bun: ${bunDiffers})`, () => {})
  else test(title, fn)
}
