// Windows half of core/platform.h: VirtualAlloc/VirtualFree, VirtualLock,
// large pages behind SeLockMemoryPrivilege.
#include "../core/platform.h"

#include <windows.h>
// After windows.h. Version 2 maps GetProcessMemoryInfo to kernel32's K32 export.
#define PSAPI_VERSION 2
#include <psapi.h>

namespace rbp {

namespace {

// Large pages need SeLockMemoryPrivilege enabled in the process token. Done
// once; false when the account does not hold the privilege.
bool enable_lock_memory_privilege() {
  static const bool enabled = [] {
    HANDLE token = nullptr;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token))
      return false;
    TOKEN_PRIVILEGES tp{};
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    bool ok = LookupPrivilegeValueW(nullptr, L"SeLockMemoryPrivilege", &tp.Privileges[0].Luid) &&
              AdjustTokenPrivileges(token, FALSE, &tp, 0, nullptr, nullptr) &&
              GetLastError() == ERROR_SUCCESS;  // ERROR_NOT_ALL_ASSIGNED: not held
    CloseHandle(token);
    return ok;
  }();
  return enabled;
}

}  // namespace

const SystemInfo& system_info() {
  static const SystemInfo info = [] {
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    SystemInfo s{};
    s.os = "win32";
    s.page_size = si.dwPageSize;
    s.allocation_granularity = si.dwAllocationGranularity;
    s.large_page_minimum = GetLargePageMinimum();
    return s;
  }();
  return info;
}

OsError memory_map(size_t size, bool want_large_pages, void** base, bool* used_large_pages) {
  const size_t large = system_info().large_page_minimum;
  *used_large_pages = false;
  if (want_large_pages && large != 0 && size % large == 0 && enable_lock_memory_privilege()) {
    void* p = VirtualAlloc(nullptr, size, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE);
    if (p != nullptr) {
      *base = p;
      *used_large_pages = true;
      return {};
    }
    // Fragmented physical memory or a missing privilege: normal pages serve.
  }
  void* p = VirtualAlloc(nullptr, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
  if (p == nullptr) return OsError::from_windows(static_cast<int>(GetLastError()), "VirtualAlloc");
  *base = p;
  return {};
}

OsError memory_unmap(void* base, size_t /*size*/, bool /*large_pages*/) {
  if (!VirtualFree(base, 0, MEM_RELEASE))
    return OsError::from_windows(static_cast<int>(GetLastError()), "VirtualFree");
  return {};
}

OsError memory_lock(void* base, size_t size) {
  if (!VirtualLock(base, size))
    return OsError::from_windows(static_cast<int>(GetLastError()), "VirtualLock");
  return {};
}

OsError memory_unlock(void* base, size_t size) {
  if (!VirtualUnlock(base, size))
    return OsError::from_windows(static_cast<int>(GetLastError()), "VirtualUnlock");
  return {};
}

bool process_memory(ProcessMemory* out) {
  PROCESS_MEMORY_COUNTERS counters{};
  counters.cb = sizeof(counters);
  if (!GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof(counters))) return false;
  out->working_set = counters.WorkingSetSize;
  out->commit = counters.PagefileUsage;
  return true;
}

}  // namespace rbp
