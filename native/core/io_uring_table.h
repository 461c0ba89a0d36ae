// The registrar's share of one ring's fixed-buffer table: slots
// [first, first + count), each empty or holding one arena.
//
// Invariants:
// - ring_ is this object's own descriptor of the ring (the ring it made, or
//   a duplicate of the one it was attached to), with the ring's identity
//   (st_dev, st_ino) recorded when it was opened. A descriptor is used or
//   closed only while fstat still names that identity: a number closed by
//   someone else, and perhaps reused for another file, is dropped without
//   being closed (the ring is then lost: lost() is true).
// - used_[i] is true exactly while slot first + i holds a registration made
//   here; in_use_ counts them. In a lost ring a slot counts as emptied when
//   empty() is called (nothing can reach it any more; the kernel drops the
//   table with the ring's last reference).
// - Every clone target (mirrors_, each a duplicate descriptor of another
//   ring) holds the same registration as the ring in every used slot, and
//   none in the others: a registration is gone from every ring still
//   reachable when empty() returns.
// - Slot ownership is process-wide (every thread, one registry): slots
//   [first, first + count) of each ring held here, its own and each clone
//   target, are claimed by this object alone until close(). An attach or
//   clone that would overlap another's claim is refused with kSlotsTaken.
#pragma once

#include <cerrno>
#include <cstdint>
#include <vector>

#include "io_uring.h"

namespace rbp {

// OsError::number of a refusal by the slot registry (no syscall failed):
// another registrar of this process holds some of the slots on that ring.
constexpr int kSlotsTaken = EADDRINUSE;

class FixedBufferTable {
 public:
  // A ring of its own with a sparse table of `count` slots.
  // Preconditions: 1 <= entries <= kIoUringMaxEntries, 1 <= count <= kIoUringMaxSlots.
  static OsError create(uint32_t entries, uint32_t count, FixedBufferTable** out);

  // Slots [first, first + count) of another's ring, emptied now (a sparse
  // table of first + count slots made first when create_table).
  // Precondition: 1 <= count and first + count <= kIoUringMaxSlots.
  static OsError attach(int ring_fd, uint32_t first, uint32_t count, bool create_table, FixedBufferTable** out);

  // Empties what is still registered (unless the ring is its own, which
  // goes whole) and closes every descriptor still naming its ring. Makes no
  // Node-API call.
  ~FixedBufferTable();

  FixedBufferTable(const FixedBufferTable&) = delete;
  FixedBufferTable& operator=(const FixedBufferTable&) = delete;

  // Registers [address, address + length) in the lowest free slot, in the
  // ring and every clone target. EBUSY when every slot is in use; EBADF
  // when the ring is lost. Preconditions: open(); 0 < length <= kIoUringMaxBuffer.
  OsError fill(uint64_t address, uint64_t length, uint32_t* slot);

  // Precondition: holds(slot). Succeeds without a syscall in a lost ring.
  OsError empty(uint32_t slot);

  // Shares every slot, used or not, with the ring ring_fd from now on.
  // EBADF when this ring is lost. Precondition: open().
  OsError clone_into(int ring_fd);

  // Closes the descriptors still naming their rings, each once, and gives
  // up the slot claims. Precondition: in_use() == 0 (the destructor, which
  // empties what it must first, is the one exception).
  void close();

  // True when the ring's descriptor was found closed or naming another
  // file; checks now.
  bool lost();

  bool open() const { return ring_.fd >= 0; }
  bool holds(uint32_t slot) const { return slot >= first_ && slot - first_ < count_ && used_[slot - first_]; }
  int fd() const { return ring_.fd; }
  uint32_t first() const { return first_; }
  uint32_t count() const { return count_; }
  uint32_t in_use() const { return in_use_; }

 private:
  struct Held {
    int fd;
    RingIdentity id;
  };

  FixedBufferTable(Held ring, bool own_ring, uint32_t first, uint32_t count)
      : ring_(ring), own_ring_(own_ring), first_(first), count_(count), used_(count, false) {}

  // Whether held still names its ring; if not, drops it (no close) and its claim.
  bool reachable(Held* held);
  // Drops the clone targets that no longer name their rings.
  void prune_mirrors();

  Held ring_;
  bool own_ring_;
  bool lost_ = false;
  uint32_t first_;
  uint32_t count_;
  std::vector<bool> used_;
  uint32_t in_use_ = 0;
  std::vector<Held> mirrors_;
};

}  // namespace rbp
