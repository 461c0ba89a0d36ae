// SIMULATED RIO provider, compiled only into test builds (binding.gyp's
// simulated_rio=1, in place of the OS's provider). It stands in for
// Winsock's RIO function table where there is none (Linux, macOS, Wine), so
// the registration path of the arena can be tested everywhere.
//
// What it imitates of RIORegisterBuffer: the documented argument checks
// (NULL -> WSAEFAULT, length 0 -> WSAEINVAL, a range that is not committed
// and readable -> WSAEFAULT), distinct opaque ids that are never the
// RIO_INVALID_BUFFERID sentinel, and a per-thread last error. What it does
// not: lock pages, or know anything about sockets. Deregistering an id that
// is not live is undefined on Windows; here it is counted, so tests can
// assert it never happens.
#include "rio_simulated.h"

#include <algorithm>
#include <mutex>
#include <set>

#include <cstdio>
#include <cstdlib>

#ifdef _WIN32
#include <windows.h>
#else
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#endif

namespace rbp {

namespace simulated_rio {

namespace {

constexpr int kWsaEfault = 10014;
constexpr int kWsaEinval = 10022;
constexpr int kWsaEnobufs = 10055;

// RIO_INVALID_BUFFERID as mswsockdef.h spells it, (RIO_BUFFERID)(ULONG_PTR)
// 0xFFFFFFFF: written out here, not taken from rio.h, so that a wrong
// kRioInvalidBufferId there makes every simulated failure look like an id.
constexpr RioBufferId kSdkInvalidBufferId = 0xFFFFFFFFu;

// Above 32 bits, so JS sees an id no double-based or 32-bit path could
// carry; far below the sentinel's wrap-around, so never RIO_INVALID_BUFFERID.
constexpr RioBufferId kFirstId = 0x5100000000u;
constexpr RioBufferId kIdStep = 0x40;

struct Books {
  std::mutex mu;
  std::set<RioBufferId> live;
  RioBufferId next_id = kFirstId;
  int fail_next = 0;
  Counters counters;
};

Books& books() {
  static Books* b = new Books();  // never destroyed: outlives every env
  return *b;
}

thread_local int last_error = 0;  // WSAGetLastError's stand-in

// Appends one line to the file RIO_BUFFER_POOL_SIMULATED_LOG names, if any:
// what the counters cannot show once Node has unloaded the addon (it does
// when the last environment that loaded it goes), such as the unload itself.
void log_event(const char* event) {
  const char* path = std::getenv("RIO_BUFFER_POOL_SIMULATED_LOG");
  if (path == nullptr || *path == '\0') return;
  if (FILE* file = std::fopen(path, "a")) {
    std::fprintf(file, "%s\n", event);
    std::fclose(file);
  }
}

// 0 when every byte of [data, data + length) is committed and readable,
// else the Winsock error RIORegisterBuffer would give.
int check_readable(const char* data, size_t length);

#ifdef _WIN32

int check_readable(const char* data, size_t length) {
  const uintptr_t end = reinterpret_cast<uintptr_t>(data) + length;
  uintptr_t at = reinterpret_cast<uintptr_t>(data);
  if (end < at) return kWsaEfault;
  while (at < end) {
    MEMORY_BASIC_INFORMATION region;
    if (VirtualQuery(reinterpret_cast<const void*>(at), &region, sizeof(region)) == 0) return kWsaEfault;
    const DWORD access = region.Protect & 0xFF;
    if (region.State != MEM_COMMIT || (region.Protect & PAGE_GUARD) != 0 || access == PAGE_NOACCESS ||
        access == PAGE_EXECUTE)
      return kWsaEfault;
    at = reinterpret_cast<uintptr_t>(region.BaseAddress) + region.RegionSize;
  }
  return 0;
}

#else

// A pipe copies what it is given, so write() reports an unmapped or
// unreadable page as EFAULT instead of a signal. Chunks are drained as they
// go, so any arena size fits through the pipe's buffer.
int check_readable(const char* data, size_t length) {
  if (reinterpret_cast<uintptr_t>(data) + length < reinterpret_cast<uintptr_t>(data)) return kWsaEfault;
  int fds[2];
  if (pipe(fds) != 0) return kWsaEnobufs;
  fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
  char sink[16384];
  int result = 0;
  while (length > 0) {
    ssize_t wrote = write(fds[1], data, std::min(length, sizeof(sink)));
    if (wrote < 0) {
      if (errno == EINTR) continue;
      result = errno == EFAULT ? kWsaEfault : kWsaEnobufs;
      break;
    }
    for (ssize_t left = wrote; left > 0;) {
      ssize_t got = read(fds[0], sink, static_cast<size_t>(left));
      if (got > 0) left -= got;
      else if (got < 0 && errno != EINTR) break;
    }
    data += wrote;
    length -= static_cast<size_t>(wrote);
  }
  close(fds[0]);
  close(fds[1]);
  return result;
}

#endif

RioBufferId fail(int winerror) {
  last_error = winerror;
  return kSdkInvalidBufferId;
}

RioBufferId register_buffer(char* data, uint32_t length) {
  if (data == nullptr) return fail(kWsaEfault);
  if (length == 0) return fail(kWsaEinval);
  Books& b = books();
  {
    std::lock_guard<std::mutex> lock(b.mu);
    if (b.fail_next != 0) {
      const int forced = b.fail_next;
      b.fail_next = 0;
      return fail(forced);
    }
  }
  if (int err = check_readable(data, length)) return fail(err);
  std::lock_guard<std::mutex> lock(b.mu);
  const RioBufferId id = b.next_id;
  b.next_id += kIdStep;
  b.live.insert(id);
  b.counters.registered++;
  log_event("register");
  return id;
}

void deregister_buffer(RioBufferId id) {
  Books& b = books();
  std::lock_guard<std::mutex> lock(b.mu);
  if (b.live.erase(id) == 1) {
    b.counters.deregistered++;
    log_event("deregister");
  } else {
    b.counters.deregister_errors++;
    log_event("deregister-unknown");
  }
}

int get_last_error() { return last_error; }

void unload() {
  Books& b = books();
  std::lock_guard<std::mutex> lock(b.mu);
  b.counters.unloads++;
  log_event("unload");
}

}  // namespace

Counters counters() {
  Books& b = books();
  std::lock_guard<std::mutex> lock(b.mu);
  Counters c = b.counters;
  c.live = b.live.size();
  return c;
}

bool is_registered(RioBufferId id) {
  Books& b = books();
  std::lock_guard<std::mutex> lock(b.mu);
  return b.live.count(id) == 1;
}

void fail_next_register(int winerror) {
  Books& b = books();
  std::lock_guard<std::mutex> lock(b.mu);
  b.fail_next = winerror;
}

}  // namespace simulated_rio

OsError rio_provider_load(RioProvider* provider) {
  using namespace simulated_rio;
  {
    Books& b = books();
    std::lock_guard<std::mutex> lock(b.mu);
    b.counters.loads++;
  }
  log_event("load");
  *provider = RioProvider{"simulated", register_buffer, deregister_buffer, get_last_error, unload};
  return {};
}

}  // namespace rbp
