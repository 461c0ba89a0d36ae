// POSIX half of core/platform.h: anonymous private mmap, mlock, sysconf.
#include "../core/platform.h"

#include <cerrno>
#include <sys/mman.h>
#include <unistd.h>

namespace rbp {

const SystemInfo& system_info() {
  static const SystemInfo info = [] {
    SystemInfo s{};
#if defined(__linux__)
    s.os = "linux";
#elif defined(__APPLE__)
    s.os = "darwin";
#elif defined(__FreeBSD__)
    s.os = "freebsd";
#else
    s.os = "posix";
#endif
    s.page_size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    s.allocation_granularity = s.page_size;
    // Transparent huge pages are kernel policy, not something an arena asks
    // for and can be refused: report none.
    s.large_page_minimum = 0;
    return s;
  }();
  return info;
}

OsError memory_map(size_t size, bool /*want_large_pages*/, void** base, bool* used_large_pages) {
  *used_large_pages = false;
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return OsError::from_errno(errno, "mmap");
  *base = p;
  return {};
}

OsError memory_unmap(void* base, size_t size, bool /*large_pages*/) {
  if (munmap(base, size) != 0) return OsError::from_errno(errno, "munmap");
  return {};
}

OsError memory_lock(void* base, size_t size) {
  if (mlock(base, size) != 0) return OsError::from_errno(errno, "mlock");
  return {};
}

OsError memory_unlock(void* base, size_t size) {
  if (munlock(base, size) != 0) return OsError::from_errno(errno, "munlock");
  return {};
}

bool process_memory(ProcessMemory* /*out*/) { return false; }

}  // namespace rbp
