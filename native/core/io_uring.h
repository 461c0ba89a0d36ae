// io_uring fixed-buffer tables, the primitives the registrar needs: a ring,
// its table of slots, and filling, emptying and cloning slots. One
// implementation per build, chosen by binding.gyp: native/linux/io_uring.cc
// (raw syscalls against <linux/io_uring.h>), native/none/io_uring_none.cc
// elsewhere (every call ENOTSUP).
//
// A slot holds one registered buffer: the kernel pins its pages (charged to
// RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK) until the slot is
// emptied and the last request naming it has completed.
#pragma once

#include <cstdint>

#include "os_error.h"

namespace rbp {

constexpr uint32_t kIoUringMaxSlots = 16384;           // IORING_MAX_REG_BUFFERS
constexpr uint64_t kIoUringMaxBuffer = 1ull << 30;     // per fixed buffer
constexpr uint32_t kIoUringMaxEntries = 32768;         // IORING_MAX_ENTRIES

// Empty when rings with sparse fixed-buffer tables (Linux 5.19+) can be
// made here, else why not. The answer is kept for the process once it is
// settled; a transient failure (EMFILE, ENFILE, ENOMEM, EAGAIN, EINTR) is
// not, so the next call probes again.
OsError io_uring_probe();

// What a descriptor names: (st_dev, st_ino) from fstat. The kernel gives
// each ring an inode of its own, so two descriptors name the same ring
// exactly when their identities are equal.
struct RingIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool operator==(const RingIdentity& o) const { return dev == o.dev && ino == o.ino; }
};

// EBADF when fd is not open.
OsError io_uring_ring_identity(int fd, RingIdentity* id);

// A ring made with no setup flags, so native code can map it as it would
// its own. Precondition: 1 <= entries <= kIoUringMaxEntries.
OsError io_uring_ring_open(uint32_t entries, int* fd);

// *copy: a close-on-exec descriptor of the same open ring, so the ring stays
// the same object however its owner reuses fd.
OsError io_uring_ring_dup(int fd, int* copy);

// Precondition: fd came from io_uring_ring_open or io_uring_ring_dup and is
// closed exactly once.
void io_uring_ring_close(int fd);

// An empty (sparse) table of `slots` slots; EBUSY when the ring has one.
// Precondition: 1 <= slots <= kIoUringMaxSlots.
OsError io_uring_table_create(int fd, uint32_t slots);

// Registers [address, address + length) in slot. Precondition:
// 0 < length <= kIoUringMaxBuffer.
OsError io_uring_slot_fill(int fd, uint32_t slot, uint64_t address, uint64_t length);

// Empties `count` slots from `first` (ENOTSUP: fd is not a ring; ENXIO: it
// has no table; EINVAL: the range passes the table's end).
OsError io_uring_slots_empty(int fd, uint32_t first, uint32_t count);

// Makes slots [first, first + count) of dst share src's registrations
// there, without pinning again (IORING_REGISTER_CLONE_BUFFERS, 6.12; slot
// ranges and replacing, 6.13).
OsError io_uring_slots_clone(int dst, int src, uint32_t first, uint32_t count);

// RLIMIT_MEMLOCK in bytes; UINT64_MAX for unlimited. False where there is
// no such limit to report.
bool io_uring_memlock_limit(uint64_t* soft, uint64_t* hard);

}  // namespace rbp
