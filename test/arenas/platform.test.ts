import test from 'ava'
import * as util from 'node:util'
import { platform } from '../../lib/index.js'

test('platform() describes this OS with power-of-two page and granularity sizes', t => {
  const info = platform()
  t.is(info.os, process.platform)
  for (const size of [info.pageSize, info.allocationGranularity]) {
    t.true(Number.isSafeInteger(size) && size > 0 && (size & (size - 1)) === 0)
  }
  t.is(info.allocationGranularity % info.pageSize, 0)
  t.true(info.largePageMinimum === 0 || info.largePageMinimum % info.pageSize === 0)
  if (process.platform === 'win32') t.is(info.allocationGranularity, 65536)
  else t.is(info.allocationGranularity, info.pageSize)
})

test('platform().rio reports availability, and the reason in Node error shape when unavailable', t => {
  const { rio } = platform()
  t.is(typeof rio.available, 'boolean')
  if (rio.available) {
    t.is(rio.error, undefined)
    return
  }
  const error = rio.error!
  t.is(typeof error.code, 'string')
  t.is(typeof error.syscall, 'string')
  t.is(util.getSystemErrorName(error.errno), error.code)
  if (process.platform === 'win32') t.is(typeof error.winerror, 'number')
  else t.deepEqual(error, { code: 'ENOTSUP', errno: error.errno, syscall: 'RIORegisterBuffer' }, 'RIO is a Winsock API')
})

test('platform() returns a copy the caller cannot corrupt', t => {
  const first = platform()
  first.pageSize = 1
  first.rio.available = !first.rio.available
  t.not(platform().pageSize, 1)
  t.not(platform().rio.available, first.rio.available)
})
