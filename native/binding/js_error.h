// Node-style errors thrown from native code: TypeError/RangeError with
// Node's argument codes, and OS failures with code/errno/syscall/winerror.
#pragma once

#include <napi.h>

#include <string>

#include "../core/os_error.h"

namespace rbp {

Napi::Error invalid_arg_type(Napi::Env env, const char* name, const char* expected);
Napi::Error out_of_range(Napi::Env env, const char* name, const std::string& expected, double received);
Napi::Error invalid_state(Napi::Env env, const std::string& message);
Napi::Error invalid_this(Napi::Env env, const char* type);
Napi::Error construct_call_required(Napi::Env env, const char* type);
// A pool condition (RIOPOOL_*): lib/ rethrows it as a PoolError.
Napi::Error pool_condition(Napi::Env env, const char* code, const std::string& message);

// Precondition: error.failed().
Napi::Error os_error(Napi::Env env, const OsError& error, const char* doing);

// The plain {code, errno, syscall, winerror?} description of an OS error.
Napi::Object os_error_info(Napi::Env env, const OsError& error);

}  // namespace rbp
