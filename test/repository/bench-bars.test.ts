// The report's verdicts: a bar timed by the direct-loop harness is MET or
// MISSED only when the self-check finds the harness within 10 % of plain
// loops; otherwise it is UNSURE, says why, and no MET is printed beside the
// figures. A counted bar (memory) keeps its verdict either way.
import test from 'ava'
import { bars, judge, printBars, selfCheckDisagreement, SELF_CHECK_TOLERANCE } from '../../benchmarks/bars.js'
import type { HotPathFigures, SelfCheck } from '../../benchmarks/hot-path.js'
import type { PathFigures } from '../../benchmarks/paths.js'
import type { FootprintFigures } from '../../benchmarks/footprint.js'
import { resultsBlock, summaryBlock } from '../../benchmarks/readme.js'

const r = (median: number) => ({ median, p25: median * 0.95, p75: median * 1.05 })
const selfCheck = (handle: number, floor: number): SelfCheck => ({ handle: r(handle), floor: r(floor) })

function hot(check: SelfCheck): HotPathFigures {
  const faces = { floor: { ns: 1.4, vsFloor: r(1) }, handles: { ns: 7, vsFloor: r(4.9) }, lease: { ns: 17, vsFloor: r(12) } }
  return {
    rounds: 11,
    selfCheck: check,
    groups: [{ name: '1500', live: 1024, randomVictims: false, floorNs: 1.4, faces, allocUnsafeOverLease: r(30), thingOverHandle: r(300) }],
  }
}

const paths: PathFigures = {
  rounds: 11,
  sizes: [1500],
  figures: [
    { id: 'send', label: 'send', size: 1500, ratio: r(0.4), ns: 100, baselineNs: 250 },
    { id: 'receive', label: 'receive', size: 1500, ratio: r(0.9), ns: 120, baselineNs: 133 },
  ],
}
const footprint = { imixRatio: 1.09 } as FootprintFigures

test(`the self-check agrees within ${SELF_CHECK_TOLERANCE * 100} % either way, and says which method is off when it does not`, t => {
  t.is(selfCheckDisagreement(selfCheck(1.09, 0.91)), null)
  t.regex(selfCheckDisagreement(selfCheck(1, 0.78))!, /more than 10 % \(floor 0\.78x\)/)
  t.regex(selfCheckDisagreement(selfCheck(1.12, 1))!, /handle pair 1\.12x/)
})

test('a timed bar is MET or MISSED when the harness agrees with itself, UNSURE (with the reason) when it does not', t => {
  const holds = (v: number) => v <= 5
  t.is(judge('pair', 4.9, '<= 5', '', holds, true, null).status, 'met')
  t.is(judge('pair', 5.1, '<= 5', '', holds, true, null).status, 'missed')
  const unsure = judge('pair', 4.9, '<= 5', '', holds, true, 'the plain loops differ')
  t.is(unsure.status, 'unsure')
  t.is(unsure.met, true, 'the value against the bar is still recorded')
  t.is(unsure.why, 'the plain loops differ')
  t.is(judge('memory', 1.09, '<= 1.10', '', v => v <= 1.1, false, 'the plain loops differ').status, 'met', 'a counted bar does not depend on the harness')
  t.is(judge('pair', undefined, '<= 5', '', holds, true, null).status, 'not measured')
})

test('a report whose self-check disagrees prints no MET beside a timed figure, and says why in one line', t => {
  const trusted = printBars(bars(hot(selfCheck(1, 1)), paths, null, footprint))
  t.true(trusted.some(line => line.startsWith('MET') && line.includes('send path')))
  t.false(trusted.some(line => line.startsWith('UNSURE')))

  const list = bars(hot(selfCheck(1, 0.78)), paths, null, footprint)
  const lines = printBars(list)
  for (const b of list.filter(b => b.timed && b.value !== null)) t.is(b.status, 'unsure', b.figure)
  t.deepEqual(lines.filter(line => line.startsWith('MET')).map(line => line.includes('IMIX arena bytes')), [true], 'only the counted bar is MET')
  t.is(lines.filter(line => /^UNSURE: .*floor 0\.78x/.test(line)).length, 1)
  t.false(lines[0]!.includes('issue'), 'the heading names no issue number')
})

test('the README\'s table leads with the send and receive paths and warns when the run\'s harness disagreed with itself', t => {
  const report = {
    meta: { version: '0', commit: null, date: '2026-01-01T00:00:00Z', command: 'npm run bench', durationSeconds: 1, rounds: 11,
      machine: { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2, cpu: 'x', loadAverageAtStart: 0 } },
    hotPath: hot(selfCheck(1, 0.78)), paths, scaling: null, registration: [],
  }
  const unsure = summaryBlock({ ...report, bars: bars(report.hotPath, paths, null, footprint) })
  t.regex(unsure, /\| send, 1500 B: .* \| 0\.40x \|/)
  t.regex(unsure, /\| receive, 1500 B: .* \| 0\.90x \|/)
  t.regex(unsure, /timed figures are uncertain/)
  const sure = summaryBlock({ ...report, hotPath: hot(selfCheck(1, 1)), bars: bars(hot(selfCheck(1, 1)), paths, null, footprint) })
  t.notRegex(sure, /uncertain/)
})

test('docs/performance\'s bars table applies the same rule to a report published before bars carried a verdict', t => {
  const legacy = [
    { figure: 'handle pair at 1500 B, x the floor', value: 4.99, bar: '<= 5', goal: '<= 2.5', met: true },
    { figure: 'IMIX arena bytes over requested bytes', value: 1.09, bar: '<= 1.10', goal: '', met: true },
  ]
  const report = {
    meta: { version: '0', commit: null, date: '2026-01-01T00:00:00Z', command: 'npm run bench', durationSeconds: 1, rounds: 11,
      machine: { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2, cpu: 'x', loadAverageAtStart: 0 } },
    hotPath: hot(selfCheck(0.97, 0.78)), scaling: null, registration: [], bars: legacy as never,
  }
  const block = resultsBlock(report)
  t.regex(block, /\| handle pair at 1500 B, x the floor \| 4\.99x \| <= 5 \(goal <= 2\.5\) \| unsure \|/)
  t.regex(block, /\| IMIX arena bytes over requested bytes \| 1\.09x \| <= 1\.10 \| met \|/)
  t.regex(block, /Unsure: .*floor 0\.78x/)
})
