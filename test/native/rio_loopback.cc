// Everything the pairs need is made in open() and torn down with them: a
// Winsock session, the RIO function table, the sockets, one completion queue
// without notification (polled), and a request queue per socket. Receives
// are posted before sends; the queue is polled until every pair settles or
// the deadline passes.
#include "rio_loopback.h"

namespace rio_loopback {

namespace {


// RequestContext: the pair's index, times two, plus which request it is.
constexpr ULONG_PTR kReceiveTag = 0;
constexpr ULONG_PTR kSendTag = 1;

// Each request queue holds one receive and one send.
constexpr ULONG kSlotsPerQueue = 1;
constexpr ULONG kDequeueBatch = 64;

OsError last_error(const char* syscall) { return OsError::from_windows(WSAGetLastError(), syscall); }

void fill(RIO_BUF* buf, const Region& region) {
  buf->BufferId = reinterpret_cast<RIO_BUFFERID>(static_cast<ULONG_PTR>(region.buffer_id));
  buf->Offset = region.offset;
  buf->Length = region.length;
}

// RIOSend/RIOReceive return FALSE with WSA_IO_PENDING for a request that was
// queued after all (the documented return table lists it).
bool posted(BOOL ok) { return ok || WSAGetLastError() == WSA_IO_PENDING; }

PVOID context(size_t pair, ULONG_PTR tag) { return reinterpret_cast<PVOID>(pair * 2 + tag); }

}  // namespace

// The sockets first (which ends their request queues and cancels whatever is
// still posted into the caller's buffers), then the completion queue, then
// the Winsock session.
Pairs::~Pairs() {
  close_sockets();
  if (cq_ != RIO_INVALID_CQ) rio_.RIOCloseCompletionQueue(cq_);
  if (started_) WSACleanup();
}

void Pairs::close_sockets() {
  usable_ = false;
  for (Pair& pair : pairs_) {
    for (SOCKET* s : {&pair.sender, &pair.receiver}) {
      if (*s != INVALID_SOCKET) closesocket(*s);
      *s = INVALID_SOCKET;
    }
    pair.receive_rq = pair.send_rq = RIO_INVALID_RQ;
  }
}

OsError Pairs::open() {
  WSADATA wsa;
  if (int err = WSAStartup(MAKEWORD(2, 2), &wsa); err != 0) return OsError::from_windows(err, "WSAStartup");
  started_ = true;
  for (Pair& pair : pairs_) {
    for (SOCKET* s : {&pair.receiver, &pair.sender}) {
      *s = WSASocketW(AF_INET, SOCK_DGRAM, IPPROTO_UDP, nullptr, 0, WSA_FLAG_REGISTERED_IO);
      if (*s == INVALID_SOCKET) return last_error("WSASocketW");
    }
  }
  if (OsError err = load_table(pairs_[0].receiver); err.failed()) return err;

  // Room for every request every queue may have outstanding: each pair's two
  // request queues reserve a receive and a send slot apiece in it.
  cq_ = rio_.RIOCreateCompletionQueue(static_cast<DWORD>(pairs_.size() * 2 * (kSlotsPerQueue + kSlotsPerQueue)),
                                      nullptr);
  if (cq_ == RIO_INVALID_CQ) return last_error("RIOCreateCompletionQueue");
  for (Pair& pair : pairs_) {
    if (OsError err = open_pair(&pair); err.failed()) return err;
  }
  usable_ = true;
  return {};
}

// The same ioctl the package's probe makes (native/win/rio_winsock.cc); the
// table is process-wide, so this one and the package's agree.
OsError Pairs::load_table(SOCKET s) {
  GUID id = WSAID_MULTIPLE_RIO;
  DWORD bytes = 0;
  rio_.cbSize = sizeof(rio_);
  if (WSAIoctl(s, SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER, &id, sizeof(id), &rio_, sizeof(rio_), &bytes,
               nullptr, nullptr) != 0) {
    OsError failed = last_error("WSAIoctl");
    rio_ = rbp::RioFunctionTable{};
    return failed;
  }
  if (!rio_.RIOReceive || !rio_.RIOSend || !rio_.RIOCreateCompletionQueue || !rio_.RIOCloseCompletionQueue ||
      !rio_.RIOCreateRequestQueue || !rio_.RIODequeueCompletion) {
    rio_ = rbp::RioFunctionTable{};
    return OsError::from_windows(WSAEOPNOTSUPP, "WSAIoctl");
  }
  return {};
}

// Connected both ways: RIOSend needs no address (RIOSendEx's pRemoteAddress
// "may be NULL if the socket is connected"), and the receiver takes
// datagrams from its own sender only.
OsError Pairs::open_pair(Pair* pair) {
  sockaddr_in loopback{};
  loopback.sin_family = AF_INET;
  loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sockaddr_in bound[2];
  const SOCKET sockets[2] = {pair->receiver, pair->sender};
  for (int i = 0; i < 2; i++) {
    if (bind(sockets[i], reinterpret_cast<const sockaddr*>(&loopback), sizeof(loopback)) != 0)
      return last_error("bind");
    int length = sizeof(bound[i]);
    if (getsockname(sockets[i], reinterpret_cast<sockaddr*>(&bound[i]), &length) != 0)
      return last_error("getsockname");
  }
  if (connect(pair->sender, reinterpret_cast<const sockaddr*>(&bound[0]), sizeof(bound[0])) != 0)
    return last_error("connect");
  if (connect(pair->receiver, reinterpret_cast<const sockaddr*>(&bound[1]), sizeof(bound[1])) != 0)
    return last_error("connect");

  pair->receive_rq = rio_.RIOCreateRequestQueue(pair->receiver, kSlotsPerQueue, 1, kSlotsPerQueue, 1, cq_, cq_, nullptr);
  if (pair->receive_rq == RIO_INVALID_RQ) return last_error("RIOCreateRequestQueue");
  pair->send_rq = rio_.RIOCreateRequestQueue(pair->sender, kSlotsPerQueue, 1, kSlotsPerQueue, 1, cq_, cq_, nullptr);
  if (pair->send_rq == RIO_INVALID_RQ) return last_error("RIOCreateRequestQueue");
  return {};
}

OsError Pairs::exchange(const std::vector<Region>& sends, const std::vector<Region>& receives, uint32_t timeout_ms,
                        std::vector<Exchange>* out, bool* timed_out) {
  out->assign(pairs_.size(), Exchange{});
  *timed_out = false;
  OsError err = post(sends, receives);
  if (!err.failed()) err = wait(timeout_ms, out, timed_out);
  bool all_delivered = !err.failed() && !*timed_out;
  for (const Exchange& e : *out) all_delivered = all_delivered && e.send.done && e.receive.done;
  if (!all_delivered) close_sockets();
  return err;
}

OsError Pairs::post(const std::vector<Region>& sends, const std::vector<Region>& receives) {
  // Every receive first, so each datagram finds its receive waiting. Every
  // slot was settled by the previous exchange (or never used), so it may be
  // written now.
  for (size_t i = 0; i < pairs_.size(); i++) {
    fill(&receive_bufs_[i], receives[i]);
    if (!posted(rio_.RIOReceive(pairs_[i].receive_rq, &receive_bufs_[i], 1, 0, context(i, kReceiveTag))))
      return last_error("RIOReceive");
  }
  for (size_t i = 0; i < pairs_.size(); i++) {
    fill(&send_bufs_[i], sends[i]);
    if (!posted(rio_.RIOSend(pairs_[i].send_rq, &send_bufs_[i], 1, 0, context(i, kSendTag))))
      return last_error("RIOSend");
  }
  return {};
}

OsError Pairs::wait(uint32_t timeout_ms, std::vector<Exchange>* out, bool* timed_out) {
  const ULONGLONG deadline = GetTickCount64() + timeout_ms;
  size_t settled = 0;  // pairs with both completions, or a failed send
  for (;;) {
    RIORESULT results[kDequeueBatch];
    const ULONG n = rio_.RIODequeueCompletion(cq_, results, kDequeueBatch);
    if (n == RIO_CORRUPT_CQ) {
      int number = WSAGetLastError();
      return OsError::from_windows(number != 0 ? number : WSAEINVAL, "RIODequeueCompletion");
    }
    for (ULONG i = 0; i < n; i++) {
      const size_t pair = static_cast<size_t>(results[i].RequestContext / 2);
      if (pair >= out->size()) continue;
      Exchange& e = (*out)[pair];
      const bool was_settled = (e.send.done && e.receive.done) || (e.send.done && e.send.status != 0);
      Completion& c = results[i].RequestContext % 2 == kSendTag ? e.send : e.receive;
      c.done = true;
      c.status = results[i].Status;
      c.bytes = results[i].BytesTransferred;
      const bool now_settled = (e.send.done && e.receive.done) || (e.send.done && e.send.status != 0);
      if (now_settled && !was_settled) settled++;
    }
    if (settled == out->size()) return {};
    if (GetTickCount64() >= deadline) {
      *timed_out = true;
      return {};
    }
    if (n == 0) Sleep(0);  // give the loopback path the core, briefly
  }
}

OsError exchange(const Region& send, const Region& receive, uint32_t timeout_ms, Exchange* out, bool* timed_out) {
  Pairs pairs(1);
  if (OsError err = pairs.open(); err.failed()) return err;
  std::vector<Exchange> results;
  OsError err = pairs.exchange({send}, {receive}, timeout_ms, &results, timed_out);
  *out = results[0];
  return err;
}

}  // namespace rio_loopback
