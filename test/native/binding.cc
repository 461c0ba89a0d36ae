// Node-API half of the test helper:
//
//   sendReceive(send, receive[, timeoutMs]) -> {sendStatus, sendBytes, receiveStatus, receiveBytes}
//
// where send and receive are {bufferId: bigint, offset, length}, the fields
// of a RIO_BUF (a lease gives them as lease.bufferId, lease.offset,
// lease.length). Every argument is checked before Winsock is touched, and
// thrown as Node would throw it; OS failures carry code/errno/syscall/winerror.
#include "rio_loopback.h"

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "../../native/js_error.h"
#include "../../native/rio.h"

namespace rio_loopback {

namespace {

constexpr uint32_t kDefaultTimeoutMs = 5000;
constexpr uint32_t kMaxTimeoutMs = 60000;
// A RIO_BUF's Offset and Length are ULONGs into a registration below 4 GiB.
constexpr double kRegistrationLimit = 4294967296.0;

Napi::Error with_code(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  return error;
}

Napi::Error invalid_arg_value(Napi::Env env, const std::string& name, const std::string& expected,
                              const std::string& received) {
  return with_code(Napi::TypeError::New(env, "The argument '" + name + "' must be " + expected +
                                                 ". Received " + received),
                   "ERR_INVALID_ARG_VALUE");
}

Napi::Error bigint_out_of_range(Napi::Env env, const std::string& name, const std::string& expected,
                                Napi::Value received) {
  return with_code(Napi::RangeError::New(env, "The value of \"" + name + "\" is out of range. It must be " +
                                                  expected + ". Received " +
                                                  received.ToString().Utf8Value() + "n"),
                   "ERR_OUT_OF_RANGE");
}

uint64_t buffer_id_arg(Napi::Env env, Napi::Value value, const std::string& name) {
  if (!value.IsBigInt()) throw rbp::invalid_arg_type(env, name.c_str(), "bigint");
  bool lossless = false;
  const uint64_t id = value.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless || id > (std::numeric_limits<uintptr_t>::max)()) {
    throw bigint_out_of_range(env, name, "a pointer-sized RIO_BUFFERID (>= 0n and < 2n ** " +
                                             std::to_string(8 * sizeof(uintptr_t)) + "n)", value);
  }
  if (id == rbp::kRioInvalidBufferId) {
    throw invalid_arg_value(env, name, "the id of a registered buffer, not RIO_INVALID_BUFFERID",
                            std::to_string(id) + "n");
  }
  return id;
}

uint32_t integer_arg(Napi::Env env, Napi::Value value, const std::string& name, double min, double max) {
  if (!value.IsNumber()) throw rbp::invalid_arg_type(env, name.c_str(), "number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= min && number <= max) || std::trunc(number) != number) {
    throw rbp::out_of_range(env, name.c_str(),
                            "an integer >= " + std::to_string(static_cast<uint64_t>(min)) +
                                " && <= " + std::to_string(static_cast<uint64_t>(max)),
                            number);
  }
  return static_cast<uint32_t>(number);
}

Region region_arg(const Napi::CallbackInfo& info, size_t index, const std::string& name, uint32_t max_length) {
  Napi::Env env = info.Env();
  if (!info[index].IsObject()) throw rbp::invalid_arg_type(env, name.c_str(), "object");
  Napi::Object object = info[index].As<Napi::Object>();
  Region region;
  region.buffer_id = buffer_id_arg(env, object.Get("bufferId"), name + ".bufferId");
  region.offset = integer_arg(env, object.Get("offset"), name + ".offset", 0, kRegistrationLimit - 1);
  const double room = kRegistrationLimit - region.offset;
  region.length = integer_arg(env, object.Get("length"), name + ".length", 1,
                              room < max_length ? room : static_cast<double>(max_length));
  return region;
}

Napi::Error timed_out(Napi::Env env, const Exchange& exchange, uint32_t timeout_ms) {
  const char* missing = !exchange.send.done ? (!exchange.receive.done ? "send or receive" : "send") : "receive";
  Napi::Error error = with_code(Napi::Error::New(env, std::string("RIO loopback: no ") + missing +
                                                          " completion within " + std::to_string(timeout_ms) + " ms"),
                                "ETIMEDOUT");
  error.Set("syscall", "RIODequeueCompletion");
  return error;
}

Napi::Value SendReceive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Region send = region_arg(info, 0, "send", kMaxSendLength);
  const Region receive = region_arg(info, 1, "receive", (std::numeric_limits<uint32_t>::max)());
  const uint32_t timeout_ms =
      info[2].IsUndefined() ? kDefaultTimeoutMs : integer_arg(env, info[2], "timeoutMs", 1, kMaxTimeoutMs);

  Exchange out;
  rbp::OsError err = exchange(send, receive, timeout_ms, &out);
  if (err.failed()) throw rbp::os_error(env, err, "RIO loopback");
  if (out.send.done && out.send.status != 0 && !out.receive.done) {
    rbp::OsError failed = rbp::OsError::from_windows(out.send.status, "RIOSend");
    throw rbp::os_error(env, failed, "RIO loopback: the send completed with an error");
  }
  if (out.timed_out) throw timed_out(env, out, timeout_ms);

  Napi::Object result = Napi::Object::New(env);
  result.Set("sendStatus", out.send.status);
  result.Set("sendBytes", out.send.bytes);
  result.Set("receiveStatus", out.receive.status);
  result.Set("receiveBytes", out.receive.bytes);
  return result;
}

}  // namespace

}  // namespace rio_loopback

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("sendReceive", Napi::Function::New<rio_loopback::SendReceive>(env, "sendReceive"));
  exports.Set("maxSendLength", rio_loopback::kMaxSendLength);
  return exports;
}

NODE_API_MODULE(rio_loopback, Init)
