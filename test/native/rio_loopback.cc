// Everything one exchange needs is made and torn down inside the call: a
// Winsock session, the RIO function table, two WSA_FLAG_REGISTERED_IO UDP
// sockets on 127.0.0.1 connected to each other, one completion queue without
// notification (polled), and a request queue per socket. The receive is
// posted before the send; the queue is polled until both complete or the
// deadline passes.
#include "rio_loopback.h"

#include <initializer_list>

#include "../../native/win/rio_types.h"

namespace rio_loopback {

namespace {

using rbp::OsError;

constexpr ULONG kRioCorruptCq = 0xFFFFFFFF;  // RIO_CORRUPT_CQ

// RequestContext values, to tell the two completions apart.
constexpr ULONG_PTR kSendTag = 1;
constexpr ULONG_PTR kReceiveTag = 2;

// Each request queue holds one receive and one send; the completion queue
// must have room for every slot of every request queue that uses it.
constexpr ULONG kSlotsPerQueue = 1;
constexpr DWORD kCompletionQueueSize = 2 * (kSlotsPerQueue + kSlotsPerQueue);

OsError last_error(const char* syscall) { return OsError::from_windows(WSAGetLastError(), syscall); }

RIO_BUF rio_buf(const Region& region) {
  RIO_BUF buf;
  buf.BufferId = reinterpret_cast<RIO_BUFFERID>(static_cast<ULONG_PTR>(region.buffer_id));
  buf.Offset = region.offset;
  buf.Length = region.length;
  return buf;
}

// RIOSend/RIOReceive return FALSE with WSA_IO_PENDING for a request that was
// queued after all (the documented return table lists it).
bool posted(BOOL ok) { return ok || WSAGetLastError() == WSA_IO_PENDING; }

// Owns what it opens and closes it in reverse: the sockets first (which ends
// their request queues and cancels whatever is still posted into the
// caller's buffers), then the completion queue, then the Winsock session.
class Session {
 public:
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  OsError open();
  OsError post(const Region& send, const Region& receive);
  OsError wait(uint32_t timeout_ms, Exchange* out);

 private:
  OsError load_table();
  OsError connect_sockets();

  bool started_ = false;
  SOCKET receiver_ = INVALID_SOCKET;
  SOCKET sender_ = INVALID_SOCKET;
  RIO_EXTENSION_FUNCTION_TABLE rio_{};
  RIO_CQ cq_ = RIO_INVALID_CQ;
  RIO_RQ receive_rq_ = RIO_INVALID_RQ;
  RIO_RQ send_rq_ = RIO_INVALID_RQ;
};

Session::~Session() {
  if (sender_ != INVALID_SOCKET) closesocket(sender_);
  if (receiver_ != INVALID_SOCKET) closesocket(receiver_);
  if (cq_ != RIO_INVALID_CQ) rio_.RIOCloseCompletionQueue(cq_);
  if (started_) WSACleanup();
}

OsError Session::open() {
  WSADATA wsa;
  if (int err = WSAStartup(MAKEWORD(2, 2), &wsa); err != 0) return OsError::from_windows(err, "WSAStartup");
  started_ = true;
  for (SOCKET* s : {&receiver_, &sender_}) {
    *s = WSASocketW(AF_INET, SOCK_DGRAM, IPPROTO_UDP, nullptr, 0, WSA_FLAG_REGISTERED_IO);
    if (*s == INVALID_SOCKET) return last_error("WSASocketW");
  }
  if (OsError err = load_table(); err.failed()) return err;
  if (OsError err = connect_sockets(); err.failed()) return err;

  cq_ = rio_.RIOCreateCompletionQueue(kCompletionQueueSize, nullptr);
  if (cq_ == RIO_INVALID_CQ) return last_error("RIOCreateCompletionQueue");
  receive_rq_ = rio_.RIOCreateRequestQueue(receiver_, kSlotsPerQueue, 1, kSlotsPerQueue, 1, cq_, cq_, nullptr);
  if (receive_rq_ == RIO_INVALID_RQ) return last_error("RIOCreateRequestQueue");
  send_rq_ = rio_.RIOCreateRequestQueue(sender_, kSlotsPerQueue, 1, kSlotsPerQueue, 1, cq_, cq_, nullptr);
  if (send_rq_ == RIO_INVALID_RQ) return last_error("RIOCreateRequestQueue");
  return {};
}

// The same ioctl the package's probe makes (native/win/rio_winsock.cc); the
// table is process-wide, so this one and the package's agree.
OsError Session::load_table() {
  GUID id = WSAID_MULTIPLE_RIO;
  DWORD bytes = 0;
  rio_.cbSize = sizeof(rio_);
  if (WSAIoctl(receiver_, SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER, &id, sizeof(id), &rio_, sizeof(rio_),
               &bytes, nullptr, nullptr) != 0) {
    OsError failed = last_error("WSAIoctl");
    rio_ = RIO_EXTENSION_FUNCTION_TABLE{};
    return failed;
  }
  if (!rio_.RIOReceive || !rio_.RIOSend || !rio_.RIOCreateCompletionQueue || !rio_.RIOCloseCompletionQueue ||
      !rio_.RIOCreateRequestQueue || !rio_.RIODequeueCompletion) {
    rio_ = RIO_EXTENSION_FUNCTION_TABLE{};
    return OsError::from_windows(WSAEOPNOTSUPP, "WSAIoctl");
  }
  return {};
}

// Connected both ways: RIOSend needs no address (RIOSendEx's pRemoteAddress
// "may be NULL if the socket is connected"), and the receiver takes
// datagrams from the sender only.
OsError Session::connect_sockets() {
  sockaddr_in loopback{};
  loopback.sin_family = AF_INET;
  loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sockaddr_in bound[2];
  const SOCKET sockets[2] = {receiver_, sender_};
  for (int i = 0; i < 2; i++) {
    if (bind(sockets[i], reinterpret_cast<const sockaddr*>(&loopback), sizeof(loopback)) != 0)
      return last_error("bind");
    int length = sizeof(bound[i]);
    if (getsockname(sockets[i], reinterpret_cast<sockaddr*>(&bound[i]), &length) != 0)
      return last_error("getsockname");
  }
  if (connect(sender_, reinterpret_cast<const sockaddr*>(&bound[0]), sizeof(bound[0])) != 0)
    return last_error("connect");
  if (connect(receiver_, reinterpret_cast<const sockaddr*>(&bound[1]), sizeof(bound[1])) != 0)
    return last_error("connect");
  return {};
}

OsError Session::post(const Region& send, const Region& receive) {
  // The receive first, so the datagram finds it waiting.
  RIO_BUF into = rio_buf(receive);
  if (!posted(rio_.RIOReceive(receive_rq_, &into, 1, 0, reinterpret_cast<PVOID>(kReceiveTag))))
    return last_error("RIOReceive");
  RIO_BUF from = rio_buf(send);
  if (!posted(rio_.RIOSend(send_rq_, &from, 1, 0, reinterpret_cast<PVOID>(kSendTag))))
    return last_error("RIOSend");
  return {};
}

OsError Session::wait(uint32_t timeout_ms, Exchange* out) {
  const ULONGLONG deadline = GetTickCount64() + timeout_ms;
  for (;;) {
    RIORESULT results[kCompletionQueueSize];
    const ULONG n = rio_.RIODequeueCompletion(cq_, results, kCompletionQueueSize);
    if (n == kRioCorruptCq) {
      int number = WSAGetLastError();
      return OsError::from_windows(number != 0 ? number : WSAEINVAL, "RIODequeueCompletion");
    }
    for (ULONG i = 0; i < n; i++) {
      Completion* c = results[i].RequestContext == kSendTag      ? &out->send
                      : results[i].RequestContext == kReceiveTag ? &out->receive
                                                                 : nullptr;
      if (c == nullptr) continue;
      c->done = true;
      c->status = results[i].Status;
      c->bytes = results[i].BytesTransferred;
    }
    if (out->send.done && out->receive.done) return {};
    if (out->send.done && out->send.status != 0) return {};  // no datagram is on its way
    if (GetTickCount64() >= deadline) {
      out->timed_out = true;
      return {};
    }
    Sleep(1);
  }
}

}  // namespace

OsError exchange(const Region& send, const Region& receive, uint32_t timeout_ms, Exchange* out) {
  Session session;
  if (OsError err = session.open(); err.failed()) return err;
  if (OsError err = session.post(send, receive); err.failed()) return err;
  return session.wait(timeout_ms, out);
}

}  // namespace rio_loopback
