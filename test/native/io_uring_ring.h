// A minimal io_uring submitter for tests: maps a ring it is handed (the
// registrar's) or makes one, writes SQEs and reaps CQEs. The Linux half of
// the test-only io_uring helper; io_uring_ring_binding.cc is its Node-API
// half. Single-threaded: one JS thread uses a Ring at a time.
#pragma once

#include <linux/io_uring.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../../native/core/os_error.h"

namespace uring_test {

struct Ring {
  int fd = -1;
  bool owns_fd = false;
  void* rings = nullptr;  // SQ and CQ rings, one mapping (IORING_FEAT_SINGLE_MMAP)
  size_t rings_size = 0;
  io_uring_sqe* sqes = nullptr;
  size_t sqes_size = 0;
  uint32_t* sq_head = nullptr;
  uint32_t* sq_tail = nullptr;
  uint32_t* sq_array = nullptr;
  uint32_t sq_mask = 0;
  uint32_t sq_entries = 0;
  uint32_t* cq_head = nullptr;
  uint32_t* cq_tail = nullptr;
  uint32_t cq_mask = 0;
  io_uring_cqe* cqes = nullptr;

  ~Ring() { release(); }
  // Unmaps, and closes fd if it is its own. Idempotent.
  void release();
};

// Maps the ring behind fd, made by someone else with no setup flags (as
// IoUringRegistrar.create() makes its rings). Its offsets are learned from
// throwaway rings of the same geometry. fd stays the caller's.
rbp::OsError open_ring(int fd, Ring* ring);

// A ring of its own (no table) with `entries` SQ entries and setup flags
// `flags` (IORING_SETUP_*).
rbp::OsError create_ring(uint32_t entries, uint32_t flags, Ring* ring);

// Precondition: sqes.size() <= free SQ entries. Writes and submits them.
rbp::OsError submit(Ring* ring, const std::vector<io_uring_sqe>& sqes);

// Reaps CQEs until at least `min` arrived or timeout_ms passed.
rbp::OsError reap(Ring* ring, uint32_t min, uint32_t timeout_ms, std::vector<io_uring_cqe>* out);

// A blocking TCP connection to 127.0.0.1:port; the descriptor is the caller's.
rbp::OsError tcp_connect(uint16_t port, int* fd);

// Lowers RLIMIT_MEMLOCK (soft and hard) to bytes and drops CAP_IPC_LOCK
// from this thread (effective, permitted) and the bounding set, so io_uring
// charges pinned pages to the limit. *dropped: CAP_IPC_LOCK is gone.
rbp::OsError restrict_memlock(uint64_t bytes, bool* dropped);

}  // namespace uring_test
