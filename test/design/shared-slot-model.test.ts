// The shared pool's slot protocol (docs/design/shared-pool.md) is checked
// by spin over its model, models/shared-slot.pml: every interleaving of two
// workers and the main thread, with a worker killed before any write, ends
// with no assertion violated. The check must not be vacuous: it explores a
// floor of states, and each deliberate break of the protocol (a -D macro in
// the model) makes spin report a violation. Without spin or gcc the tests
// are skipped, saying why. Serial: each run is a compile and a search that
// take a core.
import test from 'ava'
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

// From dist/test/design.
const model = path.join(__dirname, '..', '..', '..', 'models', 'shared-slot.pml')

/** Why the check cannot run here, or null. */
function missingTool(): string | null {
  for (const [tool, arg] of [['spin', '-V'], ['gcc', '--version']] as const) {
    if (spawnSync(tool, [arg], { stdio: 'ignore' }).error) return `no ${tool} on PATH (apt-get install -y ${tool})`
  }
  return null
}
const missing = missingTool()

/** The full search passes this many states (5.5 M with spin 6.5.2): fewer means the model lost behaviour. */
const STATES_FLOOR = 2_000_000

interface Search {
  errors: number
  states: number
  output: string
}

/** spin -a, gcc and pan in a temp dir: exhaustive (SAFETY, states collapsed, not bitstate). */
function search(defines: string[] = []): Search {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-slot-'))
  try {
    execFileSync('spin', [...defines.map(d => `-D${d}`), '-a', model], { cwd: dir, stdio: 'pipe' })
    // -O0: pan.c compiles in 3 s against 19 s at -O2, and searches as fast
    // (the search is bound by memory, not by code).
    execFileSync('gcc', ['-O0', '-DSAFETY', '-DCOLLAPSE', '-DMEMLIM=2048', '-o', 'pan', 'pan.c'], { cwd: dir, stdio: 'pipe' })
    // pan exits 0 whether or not it finds a violation; its report says.
    const output = execFileSync('./pan', ['-m100000'], { cwd: dir, encoding: 'utf8', timeout: 120_000, maxBuffer: 16 << 20 })
    const errors = /errors: (\d+)/.exec(output)
    const states = /(\d+) states, stored/.exec(output)
    if (!errors || !states) throw new Error(`pan's report not understood:\n${output}`)
    return { errors: Number(errors[1]), states: Number(states[1]), output }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const breaks: Array<[string, string]> = [
  ['BREAK_FAST_RELEASE', "the owner's fast release ignores the pin word"],
  ['BREAK_NO_GEN_BUMP', 'a remote free keeps the generation'],
  ['BREAK_TRUST_CACHE', "a reclaimer keeps a dead heap's cache instead of rebuilding it from the slot words"],
  ['BREAK_NO_OWNER_BIT', "a first foreign pin does not mark the owner's references"],
  ['BREAK_UNPIN_ANY_GEN', 'an unpin CASes whatever generation it finds (the first draft: a reclaimer freed a slot twice)'],
]

if (missing !== null) {
  test.skip(`the slot protocol model passes every assertion, exhaustively, over a floor of states (skipped: ${missing})`, () => {})
  for (const [define, what] of breaks) test.skip(`the model catches a broken protocol: ${what} (-D${define}) (skipped: ${missing})`, () => {})
} else {
  test.serial('the slot protocol model passes every assertion, exhaustively, over a floor of states', t => {
    const { errors, states, output } = search()
    t.is(errors, 0, output)
    t.true(states >= STATES_FLOOR, `${states} states stored, floor ${STATES_FLOOR}`)
    t.notRegex(output, /Search not completed|max search depth too small/, output)
  })
  for (const [define, what] of breaks) {
    test.serial(`the model catches a broken protocol: ${what} (-D${define})`, t => {
      const { errors, output } = search([define])
      t.true(errors > 0, output)
      t.regex(output, /assertion violated/, output)
    })
  }
}
