'use strict'
// Preloaded by scripts/test-bun.js into Bun, which runs ava: ava's CLI
// calls v8.takeCoverage() when a run ends, which Bun has not implemented
// (it throws ERR_NOT_IMPLEMENTED); no coverage is being collected here.
const v8 = require('node:v8')
try {
  v8.takeCoverage()
} catch {
  v8.takeCoverage = () => {}
}
