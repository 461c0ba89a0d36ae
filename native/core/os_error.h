// OS failures as values: the raw number, which numbering it is in, and the
// call that failed. describe() is the one place that turns them into Node's
// `code` and `errno`.
#pragma once

namespace rbp {

enum class ErrorDomain { kNone, kErrno, kWindows };  // kWindows: GetLastError/WSAGetLastError

struct OsError {
  int number = 0;
  ErrorDomain domain = ErrorDomain::kNone;
  const char* syscall = nullptr;

  bool failed() const { return number != 0; }
  static OsError from_errno(int number, const char* syscall) {
    return OsError{number, ErrorDomain::kErrno, syscall};
  }
  static OsError from_windows(int number, const char* syscall) {
    return OsError{number, ErrorDomain::kWindows, syscall};
  }
};

struct ErrorName {
  const char* code;  // "ENOMEM", ...; "UNKNOWN" when unmapped
  int uv_errno;      // what Node reports as `errno` for that code on this OS
};

// Precondition: error.failed().
ErrorName describe(const OsError& error);

}  // namespace rbp
