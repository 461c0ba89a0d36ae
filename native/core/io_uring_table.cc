// FixedBufferTable (io_uring_table.h): slot bookkeeping over io_uring.h's
// primitives, keeping the ring and every clone target alike, and the
// process-wide registry of which table owns which slots of which ring.
// Makes no Node-API call; binding/io_uring_binding.cc is its glue.
#include "io_uring_table.h"

#include <cstddef>
#include <mutex>

namespace rbp {

namespace {

// Slots [first, first + count) of the ring `ring`, owned by `owner`. Worker
// threads load the addon once per process, so they share this list.
struct Claim {
  RingIdentity ring;
  uint32_t first;
  uint32_t count;
  const FixedBufferTable* owner;
};

std::mutex& claims_mutex() {
  static auto* mutex = new std::mutex();  // never destroyed: tables may outlive static destructors
  return *mutex;
}

std::vector<Claim>& claims() {
  static auto* list = new std::vector<Claim>();
  return *list;
}

// False, claiming nothing, when another claim on that ring overlaps.
bool claim(const RingIdentity& ring, uint32_t first, uint32_t count, const FixedBufferTable* owner) {
  std::lock_guard<std::mutex> lock(claims_mutex());
  for (const Claim& c : claims()) {
    if (c.ring == ring && first < c.first + c.count && c.first < first + count) return false;
  }
  claims().push_back(Claim{ring, first, count, owner});
  return true;
}

// owner's claim on ring; every ring's (and, with a null owner, every
// owner's claim on ring) otherwise.
void unclaim(const FixedBufferTable* owner, const RingIdentity* ring) {
  std::lock_guard<std::mutex> lock(claims_mutex());
  std::vector<Claim>& list = claims();
  for (std::size_t i = list.size(); i-- > 0;) {
    const bool mine = owner == nullptr || list[i].owner == owner;
    if (mine && (ring == nullptr || list[i].ring == *ring)) list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

}  // namespace

OsError FixedBufferTable::create(uint32_t entries, uint32_t count, FixedBufferTable** out) {
  Held ring{-1, {}};
  OsError err = io_uring_ring_open(entries, &ring.fd);
  if (err.failed()) return err;
  err = io_uring_ring_identity(ring.fd, &ring.id);
  if (!err.failed()) err = io_uring_table_create(ring.fd, count);
  if (err.failed()) {
    io_uring_ring_close(ring.fd);  // the new ring
    return err;
  }
  auto* table = new FixedBufferTable(ring, true, 0, count);
  // A new ring's inode can only be claimed by a ring that is gone (lost
  // under a registrar that has not looked since): that claim is stale.
  unclaim(nullptr, &ring.id);
  claim(ring.id, 0, count, table);
  *out = table;
  return {};
}

OsError FixedBufferTable::attach(int ring_fd, uint32_t first, uint32_t count, bool create_table,
                                 FixedBufferTable** out) {
  Held ring{-1, {}};
  OsError err = io_uring_ring_dup(ring_fd, &ring.fd);
  if (err.failed()) return err;
  FixedBufferTable* table = nullptr;
  err = io_uring_ring_identity(ring.fd, &ring.id);
  // A ring with a claimed slot has a table, so this fails (EBUSY) before
  // the claims are consulted, changing nothing.
  if (!err.failed() && create_table) err = io_uring_table_create(ring.fd, first + count);
  if (!err.failed()) {
    // Claimed before anything is emptied: another registrar's slots stay its own.
    table = new FixedBufferTable(Held{-1, ring.id}, false, first, count);
    if (!claim(ring.id, first, count, table)) err = OsError::from_errno(kSlotsTaken, "io_uring_register");
  }
  // Also proves fd is a ring with a table that reaches first + count.
  if (!err.failed()) err = io_uring_slots_empty(ring.fd, first, count);
  if (err.failed()) {
    delete table;  // holds no descriptor yet; gives up its claim
    io_uring_ring_close(ring.fd);
    return err;
  }
  table->ring_ = ring;
  *out = table;
  return {};
}

FixedBufferTable::~FixedBufferTable() {
  // Slots left filled (arenas finalized without close()): clone targets and
  // another's ring outlive this object, so empty them there. A ring of our
  // own drops its whole table when its last descriptor closes.
  prune_mirrors();
  const bool others_ring = !own_ring_ && reachable(&ring_);
  for (uint32_t i = 0; i < count_; i++) {
    if (!used_[i]) continue;
    for (const Held& mirror : mirrors_) io_uring_slots_empty(mirror.fd, first_ + i, 1);
    if (others_ring) io_uring_slots_empty(ring_.fd, first_ + i, 1);
  }
  close();
}

bool FixedBufferTable::reachable(Held* held) {
  if (held->fd < 0) return false;
  RingIdentity now;
  if (!io_uring_ring_identity(held->fd, &now).failed() && now == held->id) return true;
  // Closed by someone else, the number perhaps reused: not ours to close.
  unclaim(this, &held->id);
  held->fd = -1;
  if (held == &ring_) lost_ = true;
  return false;
}

bool FixedBufferTable::lost() {
  reachable(&ring_);
  return lost_;
}

void FixedBufferTable::prune_mirrors() {
  for (std::size_t m = mirrors_.size(); m-- > 0;) {
    if (!reachable(&mirrors_[m])) mirrors_.erase(mirrors_.begin() + static_cast<std::ptrdiff_t>(m));
  }
}

OsError FixedBufferTable::fill(uint64_t address, uint64_t length, uint32_t* slot) {
  if (!reachable(&ring_)) return OsError::from_errno(EBADF, "io_uring_register");
  prune_mirrors();
  uint32_t i = 0;
  while (i < count_ && used_[i]) i++;
  if (i == count_) return OsError::from_errno(EBUSY, "io_uring_register");
  const uint32_t s = first_ + i;
  OsError err = io_uring_slot_fill(ring_.fd, s, address, length);
  if (err.failed()) return err;
  for (std::size_t m = 0; m < mirrors_.size(); m++) {
    err = io_uring_slots_clone(mirrors_[m].fd, ring_.fd, s, 1);
    if (err.failed()) {
      for (std::size_t k = 0; k < m; k++) io_uring_slots_empty(mirrors_[k].fd, s, 1);
      io_uring_slots_empty(ring_.fd, s, 1);
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
  prune_mirrors();
  for (const Held& mirror : mirrors_) io_uring_slots_empty(mirror.fd, slot, 1);
  if (reachable(&ring_)) {
    OsError err = io_uring_slots_empty(ring_.fd, slot, 1);
    if (err.failed()) return err;
  }
  used_[slot - first_] = false;
  in_use_--;
  return {};
}

OsError FixedBufferTable::clone_into(int ring_fd) {
  if (!reachable(&ring_)) return OsError::from_errno(EBADF, "io_uring_register");
  prune_mirrors();
  Held mirror{-1, {}};
  OsError err = io_uring_ring_dup(ring_fd, &mirror.fd);
  if (err.failed()) return err;
  bool claimed = false;
  err = io_uring_ring_identity(mirror.fd, &mirror.id);
  if (!err.failed()) {
    claimed = claim(mirror.id, first_, count_, this);
    if (!claimed) err = OsError::from_errno(kSlotsTaken, "io_uring_register");
  }
  if (!err.failed()) err = io_uring_slots_clone(mirror.fd, ring_.fd, first_, count_);
  if (err.failed()) {
    if (claimed) unclaim(this, &mirror.id);
    io_uring_ring_close(mirror.fd);
    return err;
  }
  mirrors_.push_back(mirror);
  return {};
}

void FixedBufferTable::close() {
  for (Held& mirror : mirrors_) {
    if (reachable(&mirror)) io_uring_ring_close(mirror.fd);
  }
  mirrors_.clear();
  if (reachable(&ring_)) io_uring_ring_close(ring_.fd);
  ring_.fd = -1;
  unclaim(this, nullptr);
}

}  // namespace rbp
