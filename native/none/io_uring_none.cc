// core/io_uring.h outside Linux: there is no io_uring, so every call is
// ENOTSUP.
#include <cerrno>

#include "../core/io_uring.h"

namespace rbp {

namespace {

OsError none() { return OsError::from_errno(ENOTSUP, "io_uring_setup"); }

}  // namespace

OsError io_uring_probe() { return none(); }
OsError io_uring_ring_open(uint32_t, int*) { return none(); }
OsError io_uring_ring_identity(int, RingIdentity*) { return none(); }
OsError io_uring_ring_dup(int, int*) { return none(); }
void io_uring_ring_close(int) {}
OsError io_uring_table_create(int, uint32_t) { return none(); }
OsError io_uring_slot_fill(int, uint32_t, uint64_t, uint64_t) { return none(); }
OsError io_uring_slots_empty(int, uint32_t, uint32_t) { return none(); }
OsError io_uring_slots_clone(int, int, uint32_t, uint32_t) { return none(); }
bool io_uring_memlock_limit(uint64_t*, uint64_t*) { return false; }

}  // namespace rbp
