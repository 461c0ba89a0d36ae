// The registrar's share of one ring's fixed-buffer table: slots
// [first, first + count), each empty or holding one arena.
//
// Invariants:
// - fd_ is this object's own descriptor of the ring (the ring it made, or a
//   duplicate of the one it was attached to), closed exactly once.
// - used_[i] is true exactly while slot first + i holds a registration made
//   here; in_use_ counts them.
// - Every clone target (mirrors_, each a duplicate descriptor of another
//   ring) holds the same registration as fd_ in every used slot, and none
//   in the others: a registration is gone from every ring when empty()
//   returns.
#pragma once

#include <cstdint>
#include <vector>

#include "io_uring.h"

namespace rbp {

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
  // goes whole) and closes every descriptor. Makes no Node-API call.
  ~FixedBufferTable();

  FixedBufferTable(const FixedBufferTable&) = delete;
  FixedBufferTable& operator=(const FixedBufferTable&) = delete;

  // Registers [address, address + length) in the lowest free slot, in the
  // ring and every clone target. EBUSY when every slot is in use.
  // Preconditions: open(); 0 < length <= kIoUringMaxBuffer.
  OsError fill(uint64_t address, uint64_t length, uint32_t* slot);

  // Precondition: open() and holds(slot).
  OsError empty(uint32_t slot);

  // Shares every slot, used or not, with the ring ring_fd from now on.
  // Precondition: open().
  OsError clone_into(int ring_fd);

  // Closes the descriptors, each once. Precondition: in_use() == 0 (the
  // destructor, which empties what it must first, is the one exception).
  void close();

  bool open() const { return fd_ >= 0; }
  bool holds(uint32_t slot) const { return slot >= first_ && slot - first_ < count_ && used_[slot - first_]; }
  int fd() const { return fd_; }
  uint32_t first() const { return first_; }
  uint32_t count() const { return count_; }
  uint32_t in_use() const { return in_use_; }

 private:
  FixedBufferTable(int fd, bool own_ring, uint32_t first, uint32_t count)
      : fd_(fd), own_ring_(own_ring), first_(first), count_(count), used_(count, false) {}

  int fd_;
  bool own_ring_;
  uint32_t first_;
  uint32_t count_;
  std::vector<bool> used_;
  uint32_t in_use_ = 0;
  std::vector<int> mirrors_;
};

}  // namespace rbp
