// core/rio.h's provider in release builds on Windows, the real one:
// Winsock's extension function table, fetched once per process with WSAIoctl
// on a WSA_FLAG_REGISTERED_IO socket, and tried out (a completion queue and a
// request queue) before RIO is called available.
#include "../core/rio.h"
#include "rio_types.h"

namespace rbp {

namespace {

RioFunctionTable table;

RioBufferId register_buffer(char* data, uint32_t length) {
  return reinterpret_cast<RioBufferId>(table.RIORegisterBuffer(data, length));
}

void deregister_buffer(RioBufferId id) {
  table.RIODeregisterBuffer(reinterpret_cast<RIO_BUFFERID>(static_cast<ULONG_PTR>(id)));
}

int last_error() { return WSAGetLastError(); }

void unload() { WSACleanup(); }

OsError wsa_failure(const char* syscall) { return OsError::from_windows(WSAGetLastError(), syscall); }

OsError load_table(SOCKET s, RioFunctionTable* got) {
  GUID id = WSAID_MULTIPLE_RIO;
  DWORD bytes = 0;
  *got = RioFunctionTable{};
  got->cbSize = sizeof(*got);
  if (WSAIoctl(s, SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER, &id, sizeof(id), got, sizeof(*got), &bytes, nullptr,
               nullptr) != 0)
    return wsa_failure("WSAIoctl");
  if (!got->RIORegisterBuffer || !got->RIODeregisterBuffer || !got->RIOCreateCompletionQueue ||
      !got->RIOCloseCompletionQueue || !got->RIOCreateRequestQueue)
    return OsError::from_windows(WSAEOPNOTSUPP, "WSAIoctl");
  return {};
}

SOCKET registered_io_socket() {
  return WSASocketW(AF_INET, SOCK_DGRAM, IPPROTO_UDP, nullptr, 0, WSA_FLAG_REGISTERED_IO);
}

// The table can load and RIO still not work: antivirus filter drivers have
// made RIOCreateRequestQueue fail on such hosts. So, as WireGuard's winrio
// does, make a completion queue and a request queue on a socket of its own,
// and let them go again: the socket first (RIO has no call to close a
// request queue; closing its socket does), then the queue it completed to.
OsError try_queues(const RioFunctionTable& got) {
  SOCKET s = registered_io_socket();
  if (s == INVALID_SOCKET) return wsa_failure("WSASocketW");
  OsError failed;
  RIO_CQ cq = got.RIOCreateCompletionQueue(2, nullptr);  // room for the 1 receive + 1 send below
  if (cq == RIO_INVALID_CQ) {
    failed = wsa_failure("RIOCreateCompletionQueue");
  } else if (got.RIOCreateRequestQueue(s, 1, 1, 1, 1, cq, cq, nullptr) == RIO_INVALID_RQ) {
    failed = wsa_failure("RIOCreateRequestQueue");
  }
  closesocket(s);
  if (cq != RIO_INVALID_CQ) got.RIOCloseCompletionQueue(cq);
  return failed;
}

}  // namespace

OsError rio_provider_load(RioProvider* provider) {
  WSADATA wsa;
  int err = WSAStartup(MAKEWORD(2, 2), &wsa);
  if (err != 0) return OsError::from_windows(err, "WSAStartup");

  SOCKET s = registered_io_socket();
  if (s == INVALID_SOCKET) {
    OsError failed = wsa_failure("WSASocketW");
    WSACleanup();
    return failed;
  }
  RioFunctionTable got;
  OsError failed = load_table(s, &got);
  closesocket(s);  // the table is process-wide and outlives the socket
  if (!failed.failed()) failed = try_queues(got);
  if (failed.failed()) {
    WSACleanup();
    return failed;
  }
  table = got;
  *provider = RioProvider{"winsock", register_buffer, deregister_buffer, last_error, unload};
  return {};
}

}  // namespace rbp
