// Footprint figures are deterministic (no timing): they are checked here,
// and reported with context by npm run bench.
import test from 'ava'
import { bookkeepingPerSlot, imixFill } from '../../benchmarks/footprint.js'

test('IMIX (40/576/1500 bytes, 7:4:1) filling its arenas needs at most 1.15x the bytes asked for', t => {
  const stats = imixFill(4 * 1024 * 1024, 4)
  const ratio = stats.arenaBytes / stats.requestedBytes
  t.log(`arena bytes / requested = ${ratio.toFixed(4)} over ${stats.outstandingLeases} leases`)
  t.true(ratio <= 1.15, `${ratio}`)
  t.true(stats.leasedBytes <= stats.arenaBytes)
})

test('allocator bookkeeping stays a few bytes per slot, under 1 % of slots from 1.5 KiB', t => {
  const perSlot64 = bookkeepingPerSlot(64)
  const perSlot1500 = bookkeepingPerSlot(1500)
  t.log(`64-byte slots: ${perSlot64.toFixed(2)} B/slot; 1536-byte slots: ${perSlot1500.toFixed(2)} B/slot`)
  t.true(perSlot64 <= 12, `${perSlot64}`)
  t.true(perSlot1500 / 1536 < 0.01)
})
