import test from 'ava'
import { BufferPool, SIZE_CLASSES } from '../../lib/index.js'

const sizes = SIZE_CLASSES.map(c => c.size)

test('classes run 16, 32, 48, then from 64 bytes to 64 KiB four per doubling, with every power of two exact', t => {
  t.deepEqual(sizes.slice(0, 4), [16, 32, 48, 64])
  t.is(sizes.at(-1), 65536)
  t.is(sizes.length, 44)
  for (let p = 16; p <= 65536; p *= 2) t.true(sizes.includes(p), `${p}`)
  for (let p = 64; p < 65536; p *= 2) t.is(sizes.filter(s => s >= p && s < 2 * p).length, 4)
  t.deepEqual([...sizes].sort((a, b) => a - b), sizes)
})

test('rounding up to a class wastes at most 15 bytes below 128 bytes, under 20 % of the slot from 128 bytes', t => {
  for (let i = 1; i < sizes.length; i++) {
    const worst = sizes[i - 1]! + 1
    const waste = sizes[i]! - worst
    if (sizes[i]! <= 128) t.true(waste <= 15, `${worst} -> ${sizes[i]}`)
    else t.true(waste / sizes[i]! < 0.2, `${worst} -> ${sizes[i]}: ${waste}`)
  }
})

test('a request takes the smallest class that holds it', t => {
  const pool = new BufferPool({ registration: 'off' })
  for (const [size, capacity] of [[1, 16], [16, 16], [17, 32], [40, 48], [48, 48], [49, 64], [65, 80], [576, 640], [1500, 1536]]) {
    const lease = pool.lease(size!)
    t.is(lease.capacity, capacity, `${size}`)
    t.is(lease.buffer.length, size)
    lease.release()
  }
})

test('slabs are whole pages tiled by their slots with no tail, at most 512 slots', t => {
  for (const { size, slotsPerSlab, pagesPerSlab } of SIZE_CLASSES) {
    t.is(slotsPerSlab * size, pagesPerSlab * 4096, `${size}`)
    t.true(slotsPerSlab >= 1 && slotsPerSlab <= 512)
  }
})
