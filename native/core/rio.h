// Registered I/O as the arena sees it: a process-wide function table, loaded
// once, and register/deregister with the sentinel checks done here, once.
//
// Where the table comes from is a provider, one per build, chosen by
// binding.gyp: Winsock's real table (native/win/rio_winsock.cc), none at all
// (native/none/rio_none.cc), or, in test builds only, a simulation
// (native/simulated/rio_simulated.cc).
#pragma once

#include <cstddef>
#include <cstdint>

#include "os_error.h"

#if defined(_WIN32) && !defined(_WIN64)
#error "32-bit Windows is not supported: RIO_BUF is 12 bytes there, and lib/pool/rio-buf.ts writes 16"
#endif

namespace rbp {

// RIO_BUFFERID is an opaque pointer-sized value; its failure sentinel is
// (RIO_BUFFERID)(ULONG_PTR)0xFFFFFFFF, which is neither 0 nor -1 on x64.
using RioBufferId = uint64_t;
constexpr RioBufferId kRioInvalidBufferId = 0xFFFFFFFFu;

// Errors from a provider are Winsock numbers (ErrorDomain::kWindows).
struct RioProvider {
  const char* name;
  RioBufferId (*register_buffer)(char* data, uint32_t length);
  void (*deregister_buffer)(RioBufferId id);
  int (*last_error)();
  void (*unload)();  // undoes what loading took (WSAStartup); may be null
};

// Provider hook, one definition per build: fills *provider, or returns why
// RIO is unavailable.
OsError rio_provider_load(RioProvider* provider);

// Empty when RIO can be used, else the reason. Loads on first call.
OsError rio_probe();

// Precondition: 0 < length <= UINT32_MAX (DataLength is a DWORD).
OsError rio_register(void* data, size_t length, RioBufferId* id);

// Precondition: id came from rio_register and was not deregistered.
void rio_deregister(RioBufferId id);

// One attach per Node environment using the addon; the table is unloaded
// (and WSAStartup balanced) once the last one has detached and the last
// registration is gone, whichever comes later (arenas may be finalized after
// their environment's cleanup hooks at exit).
void rio_env_attach();
void rio_env_detach();

}  // namespace rbp
