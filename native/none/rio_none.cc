// core/rio.h's provider in release builds outside Windows: none, for
// Registered I/O is a Winsock API. The probe reports ENOTSUP.
#include "../core/rio.h"

#include <cerrno>

namespace rbp {

OsError rio_provider_load(RioProvider* /*provider*/) {
  return OsError::from_errno(ENOTSUP, "RIORegisterBuffer");
}

}  // namespace rbp
