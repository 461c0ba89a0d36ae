// One RIOSend/RIOReceive pair over loopback UDP, between two RIO_BUFs the
// caller describes (in the tests: leases of a registered pool). The Winsock
// half of the test-only helper; binding.cc is its Node-API half.
#pragma once

#include <cstdint>

#include "../../native/os_error.h"

namespace rio_loopback {

// IPv4's largest UDP payload: 65535 - 20 (IP header) - 8 (UDP header).
constexpr uint32_t kMaxSendLength = 65507;

// A RIO_BUF's fields: a registration, and a range inside it.
struct Region {
  uint64_t buffer_id;
  uint32_t offset;
  uint32_t length;
};

struct Completion {
  bool done = false;
  int32_t status = 0;  // RIORESULT.Status: 0 or a Winsock error
  uint32_t bytes = 0;
};

struct Exchange {
  Completion send;
  Completion receive;
  bool timed_out = false;
};

// Precondition: 0 < send.length <= kMaxSendLength, 0 < receive.length, and
// neither buffer id is RIO_INVALID_BUFFERID. RIO itself checks the ranges
// against their registrations: a bad one fails its request, not the process.
//
// Returns the failed call when setting up or posting fails. Otherwise *out
// holds both completions; or a failed send (no datagram will come, so the
// receive is not waited for); or timed_out, after timeout_ms. Either way,
// nothing is posted any more when it returns: the sockets are closed first.
rbp::OsError exchange(const Region& send, const Region& receive, uint32_t timeout_ms, Exchange* out);

}  // namespace rio_loopback
