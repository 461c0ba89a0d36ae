// RIO provider for POSIX builds: Registered I/O is a Winsock API.
#include "../core/rio.h"

#include <cerrno>

namespace rbp {

OsError rio_provider_load(RioProvider* /*provider*/) {
  return OsError::from_errno(ENOTSUP, "RIORegisterBuffer");
}

}  // namespace rbp
