'use strict'
// Mutations of the native layer and its JS seams (issue 12): each a real bug
// the suite must notice. One object per mutation:
//   id           short, unique; `npm run test:mutants -- <id part>` runs the matching ones
//   file         repository-relative path of the file to change
//   search       exact text, occurring exactly once in that file
//   replace      what it becomes
//   tests        test files to run, by name: 'arena' is dist/test/arena.test.js
//   description  the bug, in a user's words
// Another area appends its own list as a sibling file (allocator.js, ...):
// scripts/mutants.js runs every *.js here, in file-name order.
//
// Not here: the Winsock provider and the probe (native/win/), which only real
// Windows can run; a mutant of them would survive for want of a host.
module.exports = [
  {
    id: 'sentinel-all-ones',
    file: 'native/core/rio.h',
    search: 'constexpr RioBufferId kRioInvalidBufferId = 0xFFFFFFFFu;',
    replace: 'constexpr RioBufferId kRioInvalidBufferId = ~0ull;',
    tests: ['rio-simulated'],
    description: 'the RIO_INVALID_BUFFERID sentinel is taken to be ~0 instead of (ULONG_PTR)0xFFFFFFFF',
  },
  {
    id: 'sentinel-check-zero',
    file: 'native/core/rio.cc',
    search: 'if (got == kRioInvalidBufferId) {',
    replace: 'if (got == 0) {',
    tests: ['rio-simulated'],
    description: 'a failed RIORegisterBuffer is recognised by 0, so its sentinel becomes a buffer id',
  },
  {
    id: 'no-unload',
    file: 'native/core/rio.cc',
    search: 'if (!s.load_error.failed() && s.provider.unload) s.provider.unload();',
    replace: '',
    tests: ['rio-simulated'],
    description: 'WSACleanup never balances WSAStartup',
  },
  {
    id: 'unload-ignores-live-registrations',
    file: 'native/core/rio.cc',
    search: 'if (s.envs > 0 || s.live > 0 || !s.attempted) return;',
    replace: 'if (s.envs > 0 || !s.attempted) return;',
    tests: ['rio-simulated'],
    description: 'WSACleanup runs while an arena left to teardown is still registered',
  },
  {
    id: 'close-skips-munlock',
    file: 'native/binding/native_arena.cc',
    search: '    arena.Deregister();\n    arena.Unlock();\n',
    replace: '    arena.Deregister();\n',
    tests: ['memory-release', 'arena'],
    description: 'close() leaves the pages locked while a view keeps them mapped',
  },
  {
    id: 'close-skips-deregister',
    file: 'native/binding/native_arena.cc',
    search: '    arena.Deregister();\n    arena.Unlock();\n',
    replace: '    arena.Unlock();\n',
    tests: ['rio-simulated'],
    description: 'close() frees a registered arena without deregistering it',
  },
  {
    id: 'finalizer-skips-deregister',
    file: 'native/binding/native_arena.cc',
    search: '  if (!closed_) {\n    Deregister();\n',
    replace: '  if (!closed_) {\n',
    tests: ['rio-simulated', 'hostile'],
    description: 'an arena dropped without close() (or left at teardown) stays registered after its memory is freed',
  },
  {
    id: 'registration-not-recorded',
    file: 'native/binding/native_arena.cc',
    search: '  arena.registered_ = true;\n',
    replace: '',
    tests: ['rio-simulated'],
    description: 'the native arena forgets it is registered, so nothing ever deregisters it',
  },
  {
    id: 'type-tag-unchecked',
    file: 'native/binding/napi_guard.h',
    search: '&tagged) != napi_ok || !tagged) return nullptr;',
    replace: '&tagged) != napi_ok) return nullptr;',
    tests: ['hostile', 'arguments'],
    description: "another build's (or addon's) wrapped object is taken for this build's NativeArena",
  },
  {
    id: 'teardown-escape-unchecked',
    file: 'native/binding/arena_memory.cc',
    search: '  if (current_view_ != nullptr && !current_view_->settled && CurrentEscaped()) current_view_->escaped = true;\n',
    replace: '',
    tests: ['hostile'],
    description: 'at environment teardown a view detached by someone else (BYOB read, transfer) is not marked escaped, so its memory is unmapped under it',
  },
  {
    id: 'unmap-while-reachable',
    file: 'native/binding/arena_memory.cc',
    search: 'if (unmapped_ || !arena_gone_ || reachable_ > 0 || leaked_) return;',
    replace: 'if (unmapped_ || !arena_gone_ || leaked_) return;',
    tests: ['hostile', 'memory-release'],
    description: 'close() unmaps memory a moved ArrayBuffer can still reach',
  },
  {
    id: 'close-does-not-detach',
    file: 'native/binding/arena_memory.cc',
    search: '} else if (napi_detach_arraybuffer(env_, array_buffer) == napi_ok && current_view_ != nullptr) {',
    replace: '} else if (false && napi_detach_arraybuffer(env_, array_buffer) == napi_ok && current_view_ != nullptr) {',
    tests: ['arena'],
    description: 'close() leaves views over the arena attached',
  },
  {
    id: 'no-swallow-unthrowable',
    file: 'binding.gyp',
    search: '"defines": ["NAPI_VERSION=8", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],',
    replace: '"defines": ["NAPI_VERSION=8"],',
    tests: ['hostile'],
    description: 'an error thrown while a worker terminates calls std::terminate() and kills the process',
  },
  {
    id: 'create-failure-keeps-memory',
    file: 'lib/arenas/arena.ts',
    search: '    } catch (error) {\n      native.close()\n      throw error',
    replace: '    } catch (error) {\n      throw error',
    tests: ['arena'],
    description: 'a failed Arena.create (a Registrar that throws) leaves its memory mapped until GC',
  },
  {
    id: 'registrar-not-deregistered',
    file: 'lib/arenas/arena.ts',
    search: '      deregisterCustom(this.#registration)\n    } finally {',
    replace: '    } finally {',
    tests: ['arena'],
    description: "close() never gives a Registrar's registration back",
  },
  {
    id: 'attach-leaks-duplicate',
    file: 'native/core/io_uring_table.cc',
    search: '    delete table;  // holds no descriptor yet; gives up its claim\n    io_uring_ring_close(ring.fd);\n',
    replace: '    delete table;  // holds no descriptor yet; gives up its claim\n',
    tests: ['io-uring-ownership'],
    description: 'a failed IoUringRegistrar.attach() (not a ring, no table, a range past its end) leaves its duplicate of ringFd open',
  },
  {
    id: 'closes-lost-descriptor',
    file: 'native/core/io_uring_table.cc',
    search: '  if (reachable(&ring_)) io_uring_ring_close(ring_.fd);\n',
    replace: '  if (ring_.fd >= 0) io_uring_ring_close(ring_.fd);\n',
    tests: ['io-uring-ownership'],
    description: "the registrar closes its descriptor's number without checking it still names the ring: a user's file that reused the number is closed",
  },
  {
    id: 'slot-claims-unchecked',
    file: 'native/core/io_uring_table.cc',
    search: '    if (c.ring == ring && first < c.first + c.count && c.first < first + count) return false;\n',
    replace: '',
    tests: ['io-uring-ownership'],
    description: "two registrars may own one slot of a ring: an overlapping attach() or cloneInto() replaces another pool's arena",
  },
  {
    id: 'shared-deregister-first-close',
    file: 'native/core/shared_mapping.cc',
    search: '    if (users_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;\n',
    replace: '    users_.fetch_sub(1, std::memory_order_acq_rel);\n',
    tests: ['arena-sharing'],
    description: "the first thread to close a shared arena deregisters and unlocks it while other threads still do I/O on it",
  },
  {
    id: 'shared-unmap-first-reacher',
    file: 'native/core/shared_mapping.cc',
    search: '  if (reachers_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;\n',
    replace: '  if (reachers_.fetch_sub(1, std::memory_order_acq_rel) > 2) return;\n',
    tests: ['arena-sharing'],
    description: 'a shared arena is unmapped when the next-to-last thread lets go of it: the last one reads freed memory',
  },
  {
    id: 'shared-attach-after-close',
    file: 'native/core/shared_mapping.cc',
    search: '    if (!token_.empty()) r.by_token.erase(token_);\n',
    replace: '',
    tests: ['arena-sharing'],
    description: 'a shared arena stays attachable after its last close: a late attach reaches unmapped memory',
  },
  {
    id: 'creator-close-ignores-threads',
    file: 'lib/arenas/arena.ts',
    search: 'Math.max(0, this.#registration.native.users - 1)',
    replace: '0',
    tests: ['arena-sharing'],
    description: "the creator's close() does not wait for other threads' arenas: their Registrar registration is given back under them",
  },
]
