// The page map against a model: a plain array of booleans, first fit.
import test from 'ava'
import fc from 'fast-check'
import { PageMap } from '../../lib/allocator/page-map.js'

function modelTake(free: boolean[], n: number): number {
  for (let p = 0; p + n <= free.length; p++) {
    let k = 0
    while (k < n && free[p + k]) k++
    if (k === n) {
      for (let q = p; q < p + n; q++) free[q] = false
      return p
    }
    p += k
  }
  return -1
}

test('take() is first fit and give() frees, a word at a time, as a bit-per-page model says', t => {
  let operations = 0
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 200 }),
    fc.array(fc.oneof(fc.record({ take: fc.integer({ min: 1, max: 70 }) }), fc.record({ give: fc.nat() })), { maxLength: 60 }),
    (pages, ops) => {
      const map = new PageMap(pages)
      const free = new Array<boolean>(pages).fill(true)
      const runs: Array<[number, number]> = []
      for (const op of ops) {
        operations++
        if ('take' in op) {
          const got = map.take(op.take)
          if (got !== modelTake(free, op.take)) return false
          if (got >= 0) runs.push([got, op.take])
        } else if (runs.length !== 0) {
          const [first, n] = runs.splice(op.give % runs.length, 1)[0]!
          map.give(first, n)
          for (let q = first; q < first + n; q++) free[q] = true
        }
        if (map.freePages !== free.filter(Boolean).length) return false
        for (let p = 0; p < pages; p++) if (map.isFree(p) !== free[p]) return false
      }
      return true
    },
  ), { numRuns: 300 })
  t.log(`${operations} operations`)
  t.true(operations > 1000)
})

test('a whole 4 GiB arena (1 M pages) is taken and given back in one run', t => {
  const pages = 4 * 1024 * 1024 * 1024 / 4096 - 16 // 4 GiB less a granularity
  const map = new PageMap(pages)
  t.is(map.take(pages), 0)
  t.is(map.freePages, 0)
  t.is(map.take(1), -1)
  map.give(0, pages)
  t.is(map.freePages, pages)
  t.is(map.take(256), 0)
  t.is(map.take(256), 256)
})
