// js_error.h: the errors built the way Node builds its own, so a message and
// code read the same whether JS or this addon threw them.
#include "js_error.h"

#include <cstdio>

namespace rbp {

namespace {

Napi::Error with_code(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  return error;
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.17g", value);
  return text;
}

}  // namespace

Napi::Error invalid_arg_type(Napi::Env env, const char* name, const char* expected) {
  std::string message = std::string("The \"") + name + "\" argument must be of type " + expected;
  return with_code(Napi::TypeError::New(env, message), "ERR_INVALID_ARG_TYPE");
}

Napi::Error out_of_range(Napi::Env env, const char* name, const std::string& expected, double received) {
  std::string message = std::string("The value of \"") + name + "\" is out of range. It must be " +
                        expected + ". Received " + format_number(received);
  return with_code(Napi::RangeError::New(env, message), "ERR_OUT_OF_RANGE");
}

Napi::Error invalid_state(Napi::Env env, const std::string& message) {
  return with_code(Napi::Error::New(env, message), "ERR_INVALID_STATE");
}

Napi::Error invalid_this(Napi::Env env, const char* type) {
  std::string message = std::string("Value of \"this\" must be of type ") + type;
  return with_code(Napi::TypeError::New(env, message), "ERR_INVALID_THIS");
}

Napi::Error construct_call_required(Napi::Env env, const char* type) {
  std::string message = std::string("Class constructor ") + type + " cannot be invoked without 'new'";
  return with_code(Napi::TypeError::New(env, message), "ERR_CONSTRUCT_CALL_REQUIRED");
}

Napi::Error pool_condition(Napi::Env env, const char* code, const std::string& message) {
  return with_code(Napi::Error::New(env, message), code);
}

Napi::Object os_error_info(Napi::Env env, const OsError& error) {
  ErrorName name = describe(error);
  Napi::Object info = Napi::Object::New(env);
  info.Set("code", name.code);
  info.Set("errno", name.uv_errno);
  info.Set("syscall", error.syscall);
  if (error.domain == ErrorDomain::kWindows) info.Set("winerror", error.number);
  return info;
}

Napi::Error os_error(Napi::Env env, const OsError& error, const char* doing) {
  ErrorName name = describe(error);
  std::string message = std::string(doing) + ": " + error.syscall + " failed with " + name.code;
  if (error.domain == ErrorDomain::kWindows) message += " (Windows error " + std::to_string(error.number) + ")";
  Napi::Error e = Napi::Error::New(env, message);
  Napi::Object info = os_error_info(env, error);
  for (const char* key : {"code", "errno", "syscall", "winerror"})
    if (info.Has(key)) e.Set(key, info.Get(key));
  return e;
}

}  // namespace rbp
