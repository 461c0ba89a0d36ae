// Node-API half of the test helper:
//
//   sendReceive(send, receive[, timeoutMs]) -> {sendStatus, sendBytes, receiveStatus, receiveBytes}
//   new LoopbackPairs(count)                 -> count socket pairs, kept open
//   pairs.exchange(sends, receives[, timeoutMs]) -> one result as above per pair
//   pairs.close()
//
// where send and receive are {bufferId: bigint, offset, length}, the fields
// of a RIO_BUF (a lease gives them as lease.bufferId, lease.offset,
// lease.length). Every argument is checked before Winsock is touched, and
// thrown as Node would throw it; OS failures carry code/errno/syscall/winerror.
// A failed request or a timeout closes the pairs (nothing stays posted into
// the caller's buffers); exchange() on closed pairs throws ERR_INVALID_STATE.
#include "rio_loopback.h"

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "../../native/binding/js_error.h"
#include "../../native/core/rio.h"

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

Region region_of(Napi::Env env, Napi::Object object, const std::string& name, uint32_t max_length) {
  Region region;
  region.buffer_id = buffer_id_arg(env, object.Get("bufferId"), name + ".bufferId");
  region.offset = integer_arg(env, object.Get("offset"), name + ".offset", 0, kRegistrationLimit - 1);
  const double room = kRegistrationLimit - region.offset;
  region.length = integer_arg(env, object.Get("length"), name + ".length", 1,
                              room < max_length ? room : static_cast<double>(max_length));
  return region;
}

Region region_arg(const Napi::CallbackInfo& info, size_t index, const std::string& name, uint32_t max_length) {
  if (!info[index].IsObject()) throw rbp::invalid_arg_type(info.Env(), name.c_str(), "object");
  return region_of(info.Env(), info[index].As<Napi::Object>(), name, max_length);
}

Napi::Error timeout_error(Napi::Env env, const Exchange& exchange, uint32_t timeout_ms) {
  const char* missing = !exchange.send.done ? (!exchange.receive.done ? "send or receive" : "send") : "receive";
  Napi::Error error = with_code(Napi::Error::New(env, std::string("RIO loopback: no ") + missing +
                                                          " completion within " + std::to_string(timeout_ms) + " ms"),
                                "ETIMEDOUT");
  error.Set("syscall", "RIODequeueCompletion");
  return error;
}

uint32_t timeout_arg(const Napi::CallbackInfo& info, size_t index) {
  return info[index].IsUndefined() ? kDefaultTimeoutMs
                                   : integer_arg(info.Env(), info[index], "timeoutMs", 1, kMaxTimeoutMs);
}

// A send that failed leaves its receive waiting for nothing: that failure is
// the answer. A timeout, after every failure was reported, is the next one.
void throw_failures(Napi::Env env, const std::vector<Exchange>& results, bool timed_out, uint32_t timeout_ms) {
  for (const Exchange& e : results) {
    if (e.send.done && e.send.status != 0 && !e.receive.done) {
      rbp::OsError failed = rbp::OsError::from_windows(e.send.status, "RIOSend");
      throw rbp::os_error(env, failed, "RIO loopback: the send completed with an error");
    }
  }
  if (!timed_out) return;
  for (const Exchange& e : results) {
    if (!e.send.done || !e.receive.done) throw timeout_error(env, e, timeout_ms);
  }
}

Napi::Object result_object(Napi::Env env, const Exchange& e) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("sendStatus", e.send.status);
  result.Set("sendBytes", e.send.bytes);
  result.Set("receiveStatus", e.receive.status);
  result.Set("receiveBytes", e.receive.bytes);
  return result;
}

Napi::Value SendReceive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Region send = region_arg(info, 0, "send", kMaxSendLength);
  const Region receive = region_arg(info, 1, "receive", (std::numeric_limits<uint32_t>::max)());
  const uint32_t timeout_ms = timeout_arg(info, 2);

  Exchange out;
  bool timed_out = false;
  rbp::OsError err = exchange(send, receive, timeout_ms, &out, &timed_out);
  if (err.failed()) throw rbp::os_error(env, err, "RIO loopback");
  throw_failures(env, {out}, timed_out, timeout_ms);
  return result_object(env, out);
}

std::vector<Region> regions_arg(const Napi::CallbackInfo& info, size_t index, const std::string& name, size_t count,
                                uint32_t max_length) {
  Napi::Env env = info.Env();
  if (!info[index].IsArray()) throw rbp::invalid_arg_type(env, name.c_str(), "Array");
  Napi::Array array = info[index].As<Napi::Array>();
  if (array.Length() != count) {
    throw rbp::out_of_range(env, (name + ".length").c_str(), "the number of pairs, " + std::to_string(count),
                            static_cast<double>(array.Length()));
  }
  std::vector<Region> regions;
  regions.reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value element = array.Get(i);
    const std::string element_name = name + "[" + std::to_string(i) + "]";
    if (!element.IsObject()) throw rbp::invalid_arg_type(env, element_name.c_str(), "object");
    regions.push_back(region_of(env, element.As<Napi::Object>(), element_name, max_length));
  }
  return regions;
}

class LoopbackPairs : public Napi::ObjectWrap<LoopbackPairs> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "LoopbackPairs",
                       {InstanceMethod<&LoopbackPairs::Exchange>("exchange"),
                        InstanceMethod<&LoopbackPairs::Close>("close"),
                        InstanceAccessor<&LoopbackPairs::Count>("count")});
  }

  explicit LoopbackPairs(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LoopbackPairs>(info) {
    count_ = integer_arg(info.Env(), info[0], "count", 1, kMaxPairs);
    pairs_ = std::make_unique<Pairs>(count_);
    rbp::OsError err = pairs_->open();
    if (err.failed()) {
      pairs_.reset();
      throw rbp::os_error(info.Env(), err, "RIO loopback");
    }
  }

 private:
  Napi::Value Exchange(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::vector<Region> sends = regions_arg(info, 0, "sends", count_, kMaxSendLength);
    const std::vector<Region> receives = regions_arg(info, 1, "receives", count_, (std::numeric_limits<uint32_t>::max)());
    const uint32_t timeout_ms = timeout_arg(info, 2);
    if (!pairs_ || !pairs_->usable()) {
      throw with_code(Napi::Error::New(env, "The loopback pairs are closed (closed, or after a failure)"),
                      "ERR_INVALID_STATE");
    }
    std::vector<rio_loopback::Exchange> results;
    bool timed_out = false;
    rbp::OsError err = pairs_->exchange(sends, receives, timeout_ms, &results, &timed_out);
    if (err.failed()) throw rbp::os_error(env, err, "RIO loopback");
    throw_failures(env, results, timed_out, timeout_ms);
    Napi::Array out = Napi::Array::New(env, results.size());
    for (uint32_t i = 0; i < results.size(); i++) out.Set(i, result_object(env, results[i]));
    return out;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    pairs_.reset();
    return info.Env().Undefined();
  }

  Napi::Value Count(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), count_); }

  uint32_t count_ = 0;
  std::unique_ptr<Pairs> pairs_;
};

}  // namespace

}  // namespace rio_loopback

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("sendReceive", Napi::Function::New<rio_loopback::SendReceive>(env, "sendReceive"));
  exports.Set("maxSendLength", rio_loopback::kMaxSendLength);
  exports.Set("LoopbackPairs", rio_loopback::LoopbackPairs::Define(env));
  return exports;
}

NODE_API_MODULE(rio_loopback, Init)
