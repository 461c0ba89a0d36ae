// Node-API half of the test-only io_uring helper:
//
//   openRing(fd) / createRing(entries) -> ring {fd}
//   submit(ring, [{opcode, fd, addr, len, bufIndex, offset?, userData}]) -> the SQEs as written
//   reap(ring, min, timeoutMs) -> [{userData, res, flags}]
//   closeRing(ring)
//   tcpConnect(port) -> fd; closeFd(fd);  restrictMemlock(bytes) -> boolean (CAP_IPC_LOCK dropped)
//
// opcode is 'READ_FIXED', 'WRITE_FIXED' or 'SEND_ZC' (with
// IORING_RECVSEND_FIXED_BUF): every SQE names a fixed buffer by bufIndex
// and addr, the two numbers a lease gives (lease.bufferId, lease.address).
#include <napi.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>

#include <unistd.h>

#include "../../native/binding/js_error.h"
#include "../../native/binding/napi_guard.h"
#include "io_uring_ring.h"

namespace uring_test {

namespace {

constexpr napi_type_tag kRingTag = {0x5e1d7a03c2b94f68ull, 0x81f0e6d4a9c37b25ull};
constexpr uint32_t kMaxTimeoutMs = 60000;

double number_arg(Napi::Env env, Napi::Value value, const std::string& name, double min, double max) {
  if (!value.IsNumber()) throw rbp::invalid_arg_type(env, name.c_str(), "number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= min && number <= max) || std::trunc(number) != number) {
    throw rbp::out_of_range(env, name.c_str(), "an integer >= " + std::to_string(min) + " && <= " + std::to_string(max), number);
  }
  return number;
}

uint64_t bigint_arg(Napi::Env env, Napi::Value value, const std::string& name) {
  if (!value.IsBigInt()) throw rbp::invalid_arg_type(env, name.c_str(), "bigint");
  bool lossless = false;
  const uint64_t out = value.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw rbp::out_of_range(env, name.c_str(), "a 64-bit unsigned value", NAN);
  return out;
}

Ring* ring_arg(const Napi::CallbackInfo& info) {
  Ring* ring = rbp::unwrap_tagged<Ring>(info.Env(), info[0], kRingTag);
  if (ring == nullptr || ring->fd < 0) throw rbp::invalid_arg_type(info.Env(), "ring", "an open ring of this helper");
  return ring;
}

// Wraps the ring that open(ring) mapped, or throws what it failed with.
template <typename Open>
Napi::Value wrapped_ring(Napi::Env env, Open open, const char* doing) {
  auto* ring = new Ring();
  rbp::OsError err = open(ring);
  if (err.failed()) {
    delete ring;
    throw rbp::os_error(env, err, doing);
  }
  Napi::Object out = rbp::wrap_tagged(env, ring, kRingTag);
  out.Set("fd", ring->fd);
  return out;
}

Napi::Value OpenRing(const Napi::CallbackInfo& info) {
  const int fd = static_cast<int>(number_arg(info.Env(), info[0], "fd", 0, 2147483647));
  return wrapped_ring(info.Env(), [fd](Ring* ring) { return open_ring(fd, ring); }, "cannot map the ring");
}

Napi::Value CreateRing(const Napi::CallbackInfo& info) {
  const uint32_t entries = static_cast<uint32_t>(number_arg(info.Env(), info[0], "entries", 1, 4096));
  const uint32_t flags = info[1].IsUndefined() ? 0 : static_cast<uint32_t>(number_arg(info.Env(), info[1], "flags", 0, 4294967295.0));
  return wrapped_ring(info.Env(), [entries, flags](Ring* ring) { return create_ring(entries, flags, ring); }, "cannot create a ring");
}

io_uring_sqe sqe_arg(Napi::Env env, Napi::Value value, const std::string& name) {
  if (!value.IsObject()) throw rbp::invalid_arg_type(env, name.c_str(), "object");
  Napi::Object o = value.As<Napi::Object>();
  io_uring_sqe sqe;
  std::memset(&sqe, 0, sizeof(sqe));
  const std::string opcode = o.Get("opcode").ToString().Utf8Value();
  if (opcode == "READ_FIXED") {
    sqe.opcode = IORING_OP_READ_FIXED;
  } else if (opcode == "WRITE_FIXED") {
    sqe.opcode = IORING_OP_WRITE_FIXED;
  } else if (opcode == "SEND_ZC") {
    sqe.opcode = IORING_OP_SEND_ZC;
    sqe.ioprio = IORING_RECVSEND_FIXED_BUF;
  } else {
    throw rbp::invalid_arg_type(env, (name + ".opcode").c_str(), "'READ_FIXED', 'WRITE_FIXED' or 'SEND_ZC'");
  }
  sqe.fd = static_cast<int32_t>(number_arg(env, o.Get("fd"), name + ".fd", 0, 2147483647));
  sqe.addr = bigint_arg(env, o.Get("addr"), name + ".addr");
  sqe.len = static_cast<uint32_t>(number_arg(env, o.Get("len"), name + ".len", 0, 4294967295.0));
  const uint64_t buf_index = bigint_arg(env, o.Get("bufIndex"), name + ".bufIndex");
  if (buf_index > 0xffff) throw rbp::out_of_range(env, (name + ".bufIndex").c_str(), "a 16-bit slot", static_cast<double>(buf_index));
  sqe.buf_index = static_cast<uint16_t>(buf_index);
  if (sqe.opcode != IORING_OP_SEND_ZC) {
    Napi::Value offset = o.Get("offset");
    sqe.off = offset.IsUndefined() ? 0 : static_cast<uint64_t>(number_arg(env, offset, name + ".offset", 0, 9007199254740991.0));
  }
  sqe.user_data = static_cast<uint64_t>(number_arg(env, o.Get("userData"), name + ".userData", 0, 9007199254740991.0));
  return sqe;
}

Napi::Value Submit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Ring* ring = ring_arg(info);
  if (!info[1].IsArray()) throw rbp::invalid_arg_type(env, "sqes", "Array");
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<io_uring_sqe> sqes;
  for (uint32_t i = 0; i < list.Length(); i++) sqes.push_back(sqe_arg(env, list.Get(i), "sqes[" + std::to_string(i) + "]"));
  const uint32_t first = *ring->sq_tail;
  rbp::OsError err = submit(ring, sqes);
  if (err.failed()) throw rbp::os_error(env, err, "cannot submit");
  // What the kernel was handed, read back from the submission queue.
  Napi::Array written = Napi::Array::New(env, sqes.size());
  for (uint32_t i = 0; i < sqes.size(); i++) {
    const io_uring_sqe& sqe = ring->sqes[(first + i) & ring->sq_mask];
    Napi::Object o = Napi::Object::New(env);
    o.Set("bufIndex", Napi::BigInt::New(env, static_cast<uint64_t>(sqe.buf_index)));
    o.Set("addr", Napi::BigInt::New(env, static_cast<uint64_t>(sqe.addr)));
    o.Set("len", sqe.len);
    written.Set(i, o);
  }
  return written;
}

Napi::Value Reap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Ring* ring = ring_arg(info);
  const uint32_t min = static_cast<uint32_t>(number_arg(env, info[1], "min", 0, 65536));
  const uint32_t timeout_ms = static_cast<uint32_t>(number_arg(env, info[2], "timeoutMs", 0, kMaxTimeoutMs));
  std::vector<io_uring_cqe> cqes;
  rbp::OsError err = reap(ring, min, timeout_ms, &cqes);
  if (err.failed()) throw rbp::os_error(env, err, "cannot reap");
  Napi::Array out = Napi::Array::New(env, cqes.size());
  for (uint32_t i = 0; i < cqes.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("userData", static_cast<double>(cqes[i].user_data));
    o.Set("res", cqes[i].res);
    o.Set("flags", cqes[i].flags);
    out.Set(i, o);
  }
  return out;
}

Napi::Value CloseRing(const Napi::CallbackInfo& info) {
  Ring* ring = ring_arg(info);
  ring->release();
  return info.Env().Undefined();
}

Napi::Value TcpConnect(const Napi::CallbackInfo& info) {
  const uint16_t port = static_cast<uint16_t>(number_arg(info.Env(), info[0], "port", 1, 65535));
  int fd = -1;
  rbp::OsError err = tcp_connect(port, &fd);
  if (err.failed()) throw rbp::os_error(info.Env(), err, "cannot connect");
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  close(static_cast<int>(number_arg(info.Env(), info[0], "fd", 0, 2147483647)));
  return info.Env().Undefined();
}

Napi::Value RestrictMemlock(const Napi::CallbackInfo& info) {
  const uint64_t bytes = static_cast<uint64_t>(number_arg(info.Env(), info[0], "bytes", 0, 9007199254740991.0));
  bool dropped = false;
  rbp::OsError err = restrict_memlock(bytes, &dropped);
  if (err.failed()) throw rbp::os_error(info.Env(), err, "cannot restrict RLIMIT_MEMLOCK");
  return Napi::Boolean::New(info.Env(), dropped);
}

}  // namespace

}  // namespace uring_test

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace uring_test;
  rbp::set_guarded<OpenRing>(env, exports, "openRing");
  rbp::set_guarded<CreateRing>(env, exports, "createRing");
  rbp::set_guarded<Submit>(env, exports, "submit");
  rbp::set_guarded<Reap>(env, exports, "reap");
  rbp::set_guarded<CloseRing>(env, exports, "closeRing");
  rbp::set_guarded<TcpConnect>(env, exports, "tcpConnect");
  rbp::set_guarded<CloseFd>(env, exports, "closeFd");
  rbp::set_guarded<RestrictMemlock>(env, exports, "restrictMemlock");
  return exports;
}

NODE_API_MODULE(io_uring_ring, Init)
