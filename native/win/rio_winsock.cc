// The real RIO provider: Winsock's extension function table, fetched once per
// process with WSAIoctl on a WSA_FLAG_REGISTERED_IO socket.
#ifndef RBP_SIMULATED_RIO

#include "../rio.h"
#include "rio_types.h"

namespace rbp {

namespace {

RIO_EXTENSION_FUNCTION_TABLE table;

RioBufferId register_buffer(char* data, uint32_t length) {
  return reinterpret_cast<RioBufferId>(table.RIORegisterBuffer(data, length));
}

void deregister_buffer(RioBufferId id) {
  table.RIODeregisterBuffer(reinterpret_cast<RIO_BUFFERID>(static_cast<ULONG_PTR>(id)));
}

int last_error() { return WSAGetLastError(); }

void unload() { WSACleanup(); }

}  // namespace

OsError rio_provider_load(RioProvider* provider) {
  WSADATA wsa;
  int err = WSAStartup(MAKEWORD(2, 2), &wsa);
  if (err != 0) return OsError::from_windows(err, "WSAStartup");

  SOCKET s = WSASocketW(AF_INET, SOCK_DGRAM, IPPROTO_UDP, nullptr, 0, WSA_FLAG_REGISTERED_IO);
  if (s == INVALID_SOCKET) {
    OsError failed = OsError::from_windows(WSAGetLastError(), "WSASocketW");
    WSACleanup();
    return failed;
  }
  GUID id = WSAID_MULTIPLE_RIO;
  DWORD bytes = 0;
  RIO_EXTENSION_FUNCTION_TABLE got{};
  got.cbSize = sizeof(got);
  int rc = WSAIoctl(s, SIO_GET_MULTIPLE_EXTENSION_FUNCTION_POINTER, &id, sizeof(id), &got,
                    sizeof(got), &bytes, nullptr, nullptr);
  OsError failed = rc == 0 ? OsError{} : OsError::from_windows(WSAGetLastError(), "WSAIoctl");
  closesocket(s);  // the table is process-wide and outlives the socket
  if (!failed.failed() && (got.RIORegisterBuffer == nullptr || got.RIODeregisterBuffer == nullptr))
    failed = OsError::from_windows(WSAEOPNOTSUPP, "WSAIoctl");
  if (failed.failed()) {
    WSACleanup();
    return failed;
  }
  table = got;
  *provider = RioProvider{"winsock", register_buffer, deregister_buffer, last_error, unload};
  return {};
}

}  // namespace rbp

#endif  // RBP_SIMULATED_RIO
