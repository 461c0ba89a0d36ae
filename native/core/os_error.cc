// Every OS error translation in one place. Windows numbers are translated on
// every OS because RIO providers (the real one, and the simulated one used in
// tests everywhere) speak Winsock numbers.
#include "os_error.h"

#include <cerrno>
#include <cstring>

namespace rbp {

namespace {

// Node's errno for each code: -errno on POSIX, libuv's fixed numbers on
// Windows (include/uv/errno.h).
struct Code {
  const char* name;
  int posix;
  int uv_windows;
};

const Code kCodes[] = {
    {"EACCES", EACCES, -4092},         {"EAFNOSUPPORT", EAFNOSUPPORT, -4089},
    {"EAGAIN", EAGAIN, -4088},         {"EFAULT", EFAULT, -4074},
    {"EINVAL", EINVAL, -4071},         {"EMFILE", EMFILE, -4066},
    {"ENOBUFS", ENOBUFS, -4060},       {"ENOMEM", ENOMEM, -4057},
    {"ENOSYS", ENOSYS, -4054},         {"ENOTSUP", ENOTSUP, -4049},
    {"EPERM", EPERM, -4048},           {"EPROTONOSUPPORT", EPROTONOSUPPORT, -4045},
    {"EOVERFLOW", EOVERFLOW, -4026},   {"EBADF", EBADF, -4083},
    {"EBUSY", EBUSY, -4082},           {"ENXIO", ENXIO, -4033},
    {"ETIMEDOUT", ETIMEDOUT, -4039},   {"EEXIST", EEXIST, -4075},
};

constexpr int kUvUnknown = -4094;

// Windows and Winsock errors the arena can meet. Page-locking quota failures
// all read as ENOMEM: the fix (a smaller arena, a larger working set) is the
// same whichever limit was hit.
struct WindowsError {
  int number;
  const char* code;
};

const WindowsError kWindowsErrors[] = {
    {5, "EACCES"},       // ERROR_ACCESS_DENIED
    {8, "ENOMEM"},       // ERROR_NOT_ENOUGH_MEMORY
    {14, "ENOMEM"},      // ERROR_OUTOFMEMORY
    {50, "ENOTSUP"},     // ERROR_NOT_SUPPORTED
    {87, "EINVAL"},      // ERROR_INVALID_PARAMETER
    {120, "ENOSYS"},     // ERROR_CALL_NOT_IMPLEMENTED
    {487, "EFAULT"},     // ERROR_INVALID_ADDRESS
    {998, "EFAULT"},     // ERROR_NOACCESS
    {1300, "EPERM"},     // ERROR_NOT_ALL_ASSIGNED (privilege not held)
    {1314, "EPERM"},     // ERROR_PRIVILEGE_NOT_HELD
    {1450, "ENOMEM"},    // ERROR_NO_SYSTEM_RESOURCES
    {1453, "ENOMEM"},    // ERROR_WORKING_SET_QUOTA
    {1454, "ENOMEM"},    // ERROR_PAGEFILE_QUOTA
    {1455, "ENOMEM"},    // ERROR_COMMITMENT_LIMIT
    {10014, "EFAULT"},   // WSAEFAULT
    {10022, "EINVAL"},   // WSAEINVAL
    {10024, "EMFILE"},   // WSAEMFILE
    {10043, "EPROTONOSUPPORT"},  // WSAEPROTONOSUPPORT
    {10045, "ENOTSUP"},  // WSAEOPNOTSUPP: no RIO (Wine, filter drivers)
    {10047, "EAFNOSUPPORT"},     // WSAEAFNOSUPPORT
    {10055, "ENOBUFS"},  // WSAENOBUFS
    {10091, "ENOSYS"},   // WSASYSNOTREADY
    {10092, "ENOSYS"},   // WSAVERNOTSUPPORTED
    {10106, "ENOSYS"},   // WSAEPROVIDERFAILEDINIT
};

const char* errno_code(int number) {
  for (const Code& c : kCodes)
    if (c.posix == number) return c.name;
  return "UNKNOWN";
}

const char* windows_code(int number) {
  for (const WindowsError& w : kWindowsErrors)
    if (w.number == number) return w.code;
  return "UNKNOWN";
}

int node_errno(const char* code, const OsError& error) {
  for (const Code& c : kCodes) {
    if (std::strcmp(c.name, code) != 0) continue;
#ifdef _WIN32
    return c.uv_windows;
#else
    return -c.posix;
#endif
  }
  return error.domain == ErrorDomain::kErrno ? -error.number : kUvUnknown;
}

}  // namespace

ErrorName describe(const OsError& error) {
  const char* code =
      error.domain == ErrorDomain::kWindows ? windows_code(error.number) : errno_code(error.number);
  return ErrorName{code, node_errno(code, error)};
}

}  // namespace rbp
