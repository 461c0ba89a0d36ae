// The platform layer: everything the arena needs from the OS, one
// implementation per OS, chosen by binding.gyp: native/posix/platform.cc and
// native/win/platform.cc. Each primitive states its precondition and returns
// an OsError that is empty on success.
#pragma once

#include <cstddef>

#include "os_error.h"

namespace rbp {

struct SystemInfo {
  const char* os;                 // "linux", "darwin", "win32", ...
  size_t page_size;
  size_t allocation_granularity;  // the unit VirtualAlloc reserves in; page size on POSIX
  size_t large_page_minimum;      // 0 where large pages are unavailable
};

const SystemInfo& system_info();

// Precondition: size is a non-zero multiple of allocation_granularity.
// Gives page-aligned, committed, zeroed read-write memory. With
// want_large_pages it tries large pages first and quietly falls back to
// normal pages when they cannot be had; *used_large_pages says which.
OsError memory_map(size_t size, bool want_large_pages, void** base, bool* used_large_pages);

// Precondition: base/size/large_pages describe one successful memory_map.
OsError memory_unmap(void* base, size_t size, bool large_pages);

// Pins the range in physical memory (mlock / VirtualLock). RIO registration
// pins pages by itself; this is for arenas that want it without RIO.
// Precondition: the range lies inside one mapping.
OsError memory_lock(void* base, size_t size);
OsError memory_unlock(void* base, size_t size);

// What the OS counts for this process, where it says so through a call
// (Windows: GetProcessMemoryInfo). False where it does not (Linux reads
// /proc/self/status from JS instead).
struct ProcessMemory {
  size_t working_set;  // resident bytes
  size_t commit;       // private committed bytes (PagefileUsage)
};
bool process_memory(ProcessMemory* out);

}  // namespace rbp
