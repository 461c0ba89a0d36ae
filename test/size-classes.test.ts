import test from 'ava'
import { SIZE_CLASSES } from '../lib/index.js'

const sizes = SIZE_CLASSES.map(c => c.size)

test('classes run from 64 bytes to 64 KiB, four per doubling, with every power of two exact', t => {
  t.is(sizes[0], 64)
  t.is(sizes.at(-1), 65536)
  for (let p = 64; p <= 65536; p *= 2) t.true(sizes.includes(p), `${p}`)
  for (let p = 64; p < 65536; p *= 2) t.is(sizes.filter(s => s >= p && s < 2 * p).length, 4)
  t.deepEqual([...sizes].sort((a, b) => a - b), sizes)
})

test('rounding up to a class wastes under 25 % of the slot, under 20 % from 128 bytes', t => {
  for (let i = 1; i < sizes.length; i++) {
    const worst = sizes[i - 1]! + 1
    const waste = (sizes[i]! - worst) / sizes[i]!
    t.true(waste < 0.25)
    if (sizes[i]! > 128) t.true(waste < 0.2, `${worst} -> ${sizes[i]}: ${waste}`)
  }
})

test('slabs are whole pages tiled by their slots with no tail, at most 512 slots', t => {
  for (const { size, slotsPerSlab, pagesPerSlab } of SIZE_CLASSES) {
    t.is(slotsPerSlab * size, pagesPerSlab * 4096, `${size}`)
    t.true(slotsPerSlab >= 1 && slotsPerSlab <= 512)
  }
})
