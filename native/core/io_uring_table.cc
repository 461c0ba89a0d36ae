// FixedBufferTable (io_uring_table.h): slot bookkeeping over io_uring.h's
// primitives, keeping the ring and every clone target alike. Makes no
// Node-API call; binding/io_uring_binding.cc is its glue.
#include "io_uring_table.h"

#include <cerrno>
#include <cstddef>

namespace rbp {

OsError FixedBufferTable::create(uint32_t entries, uint32_t count, FixedBufferTable** out) {
  int fd = -1;
  OsError err = io_uring_ring_open(entries, &fd);
  if (err.failed()) return err;
  err = io_uring_table_create(fd, count);
  if (err.failed()) {
    io_uring_ring_close(fd);
    return err;
  }
  *out = new FixedBufferTable(fd, true, 0, count);
  return {};
}

OsError FixedBufferTable::attach(int ring_fd, uint32_t first, uint32_t count, bool create_table,
                                 FixedBufferTable** out) {
  int fd = -1;
  OsError err = io_uring_ring_dup(ring_fd, &fd);
  if (err.failed()) return err;
  if (create_table) err = io_uring_table_create(fd, first + count);
  // Also proves fd is a ring with a table that reaches first + count.
  if (!err.failed()) err = io_uring_slots_empty(fd, first, count);
  if (err.failed()) {
    io_uring_ring_close(fd);
    return err;
  }
  *out = new FixedBufferTable(fd, false, first, count);
  return {};
}

FixedBufferTable::~FixedBufferTable() {
  // Slots left filled (arenas finalized without close()): clone targets and
  // another's ring outlive this object, so empty them there. A ring of our
  // own drops its whole table when its last descriptor closes.
  for (uint32_t i = 0; i < count_; i++) {
    if (!used_[i]) continue;
    for (int mirror : mirrors_) io_uring_slots_empty(mirror, first_ + i, 1);
    if (!own_ring_) io_uring_slots_empty(fd_, first_ + i, 1);
  }
  close();
}

OsError FixedBufferTable::fill(uint64_t address, uint64_t length, uint32_t* slot) {
  uint32_t i = 0;
  while (i < count_ && used_[i]) i++;
  if (i == count_) return OsError::from_errno(EBUSY, "io_uring_register");
  const uint32_t s = first_ + i;
  OsError err = io_uring_slot_fill(fd_, s, address, length);
  if (err.failed()) return err;
  for (std::size_t m = 0; m < mirrors_.size(); m++) {
    err = io_uring_slots_clone(mirrors_[m], fd_, s, 1);
    if (err.failed()) {
      for (std::size_t k = 0; k < m; k++) io_uring_slots_empty(mirrors_[k], s, 1);
      io_uring_slots_empty(fd_, s, 1);
      return err;
    }
  }
  used_[i] = true;
  in_use_++;
  *slot = s;
  return {};
}

OsError FixedBufferTable::empty(uint32_t slot) {
  // A clone target can only fail here when its ring is being torn down,
  // which drops the registration anyway.
  for (int mirror : mirrors_) io_uring_slots_empty(mirror, slot, 1);
  OsError err = io_uring_slots_empty(fd_, slot, 1);
  if (err.failed()) return err;
  used_[slot - first_] = false;
  in_use_--;
  return {};
}

OsError FixedBufferTable::clone_into(int ring_fd) {
  int fd = -1;
  OsError err = io_uring_ring_dup(ring_fd, &fd);
  if (err.failed()) return err;
  err = io_uring_slots_clone(fd, fd_, first_, count_);
  if (err.failed()) {
    io_uring_ring_close(fd);
    return err;
  }
  mirrors_.push_back(fd);
  return {};
}

void FixedBufferTable::close() {
  for (int mirror : mirrors_) io_uring_ring_close(mirror);
  mirrors_.clear();
  if (fd_ >= 0) io_uring_ring_close(fd_);
  fd_ = -1;
}

}  // namespace rbp
