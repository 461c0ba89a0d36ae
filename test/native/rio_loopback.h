// RIOSend/RIOReceive pairs over loopback UDP, between RIO_BUFs the caller
// describes (in the tests: leases of a registered pool). The Winsock half of
// the test-only helper; binding.cc is its Node-API half.
#pragma once

#include <cstdint>
#include <vector>

#include "../../native/core/os_error.h"
#include "../../native/win/rio_types.h"

namespace rio_loopback {

using rbp::OsError;

// IPv4's largest UDP payload: 65535 - 20 (IP header) - 8 (UDP header).
constexpr uint32_t kMaxSendLength = 65507;
// Each pair is two sockets and two request queues: plenty for a stress test,
// far below what Winsock allows.
constexpr uint32_t kMaxPairs = 256;

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
};

// `count` pairs of WSA_FLAG_REGISTERED_IO UDP sockets on 127.0.0.1, each
// pair connected both ways, with a request queue per socket (room for one
// request) and one polled completion queue for all of them. A pair's
// datagrams reach only its own receiver, so every receive has one sender.
//
// RIO_BUF lifetime (the RIOSend/RIOReceive remarks): the RIO_BUF a pending
// request was given is neither passed again nor changed until that request
// completes. Each request has its own slot in send_bufs_/receive_bufs_,
// written only before it is posted, and the slots live as long as this.
class Pairs {
 public:
  explicit Pairs(uint32_t count) : pairs_(count), send_bufs_(count), receive_bufs_(count) {}
  Pairs(const Pairs&) = delete;
  Pairs& operator=(const Pairs&) = delete;
  ~Pairs();

  OsError open();
  // False once a failure or timeout closed the sockets.
  bool usable() const { return usable_; }

  // Precondition: usable(); sends and receives hold one Region per pair,
  // each send 0 < length <= kMaxSendLength, each receive 0 < length, no
  // buffer id RIO_INVALID_BUFFERID. RIO itself checks the ranges against
  // their registrations: a bad one fails its request, not the process.
  //
  // Posts every pair's receive, then every pair's send, and polls until each
  // pair is settled: both completed, or its send failed (no datagram will
  // come). Returns the failed call when posting fails; sets *timed_out when
  // timeout_ms passed first. Either way, or when any request failed, the
  // sockets are closed before it returns (which cancels what is still
  // posted) and the pairs are no longer usable: nothing is ever left posted
  // into the caller's buffers.
  OsError exchange(const std::vector<Region>& sends, const std::vector<Region>& receives, uint32_t timeout_ms,
                   std::vector<Exchange>* out, bool* timed_out);

 private:
  struct Pair {
    SOCKET receiver = INVALID_SOCKET;
    SOCKET sender = INVALID_SOCKET;
    RIO_RQ receive_rq = RIO_INVALID_RQ;
    RIO_RQ send_rq = RIO_INVALID_RQ;
  };

  OsError load_table(SOCKET s);
  OsError open_pair(Pair* pair);
  OsError post(const std::vector<Region>& sends, const std::vector<Region>& receives);
  OsError wait(uint32_t timeout_ms, std::vector<Exchange>* out, bool* timed_out);
  void close_sockets();

  std::vector<Pair> pairs_;
  std::vector<RIO_BUF> send_bufs_;
  std::vector<RIO_BUF> receive_bufs_;
  bool started_ = false;
  bool usable_ = false;
  rbp::RioFunctionTable rio_{};
  RIO_CQ cq_ = RIO_INVALID_CQ;
};

// One pair, opened and closed around one exchange.
OsError exchange(const Region& send, const Region& receive, uint32_t timeout_ms, Exchange* out, bool* timed_out);

}  // namespace rio_loopback
