// RIO provider for POSIX builds: Registered I/O is a Winsock API.
#include "../core/rio.h"

#include <cerrno>

#ifndef RBP_SIMULATED_RIO

namespace rbp {

OsError rio_provider_load(RioProvider* /*provider*/) {
  return OsError::from_errno(ENOTSUP, "RIORegisterBuffer");
}

}  // namespace rbp

#endif
