// exports.ioUring (io_uring_binding.h), pure glue: arguments checked and
// converted, FixedBufferTable called, OS failures thrown in Node's shape
// (lib/arenas/io-uring-registrar.ts adds the advice). Every function is
// guarded (napi_guard.h) and every handle's tag is checked before it is used.
#include "io_uring_binding.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "../core/io_uring.h"
#include "../core/io_uring_table.h"
#include "js_error.h"
#include "napi_guard.h"

namespace rbp {

namespace {

constexpr napi_type_tag kTableTag = {0x9c1f6a2e5b7d4e01ull, 0xa3d2c8b4f0e61957ull};

uint32_t whole_arg(const Napi::CallbackInfo& info, size_t index, const char* name, double min, double max) {
  Napi::Env env = info.Env();
  if (!info[index].IsNumber()) throw invalid_arg_type(env, name, "number");
  const double value = info[index].As<Napi::Number>().DoubleValue();
  if (!(value >= min && value <= max) || std::trunc(value) != value) {
    throw out_of_range(env, name,
                       "an integer >= " + std::to_string(static_cast<uint64_t>(min)) + " && <= " +
                           std::to_string(static_cast<uint64_t>(max)),
                       value);
  }
  return static_cast<uint32_t>(value);
}

int fd_arg(const Napi::CallbackInfo& info, size_t index) {
  return static_cast<int>(whole_arg(info, index, "ringFd", 0, std::numeric_limits<int>::max()));
}

Napi::Error lost_ring(Napi::Env env) {
  return os_error(env, OsError::from_errno(EBADF, "io_uring_register"),
                  "The registrar's descriptor no longer refers to its ring");
}

// The registry's refusal is no OS failure: the ring's state refused a valid
// call (ERR_INVALID_STATE); lib/ makes it RIOPOOL_SLOTS_TAKEN by slotsTaken.
Napi::Error slots_taken(Napi::Env env, const char* doing) {
  Napi::Error error = invalid_state(env, std::string(doing) + ": another IoUringRegistrar of this process holds some of these slots of that ring");
  error.Set("slotsTaken", true);
  return error;
}

Napi::Error table_error(Napi::Env env, const OsError& err, const char* doing) {
  if (err.number == kSlotsTaken) return slots_taken(env, doing);
  if (err.number == EBADF && err.syscall != nullptr && std::string(err.syscall) == "io_uring_register") return lost_ring(env);
  return os_error(env, err, doing);
}

FixedBufferTable* table_arg(const Napi::CallbackInfo& info) {
  auto* table = unwrap_tagged<FixedBufferTable>(info.Env(), info[0], kTableTag);
  if (table == nullptr) throw invalid_arg_type(info.Env(), "handle", "IoUringRegistrar handle");
  return table;
}

// A table whose ring is lost throws EBADF; lib/ adds the advice (state().lost).
FixedBufferTable* open_table_arg(const Napi::CallbackInfo& info) {
  FixedBufferTable* table = table_arg(info);
  if (table->lost()) throw lost_ring(info.Env());
  if (!table->open()) throw os_error(info.Env(), OsError::from_errno(ENXIO, "io_uring_register"), "The registrar is closed");
  return table;
}

Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  OsError err = io_uring_probe();
  out.Set("available", !err.failed());
  if (err.failed()) out.Set("error", os_error_info(env, err));
  return out;
}

// create(entries, slots)
Napi::Value Create(const Napi::CallbackInfo& info) {
  const uint32_t entries = whole_arg(info, 0, "entries", 1, kIoUringMaxEntries);
  const uint32_t slots = whole_arg(info, 1, "slots", 1, kIoUringMaxSlots);
  FixedBufferTable* table = nullptr;
  OsError err = FixedBufferTable::create(entries, slots, &table);
  if (err.failed()) throw os_error(info.Env(), err, "Cannot create an io_uring ring with a fixed-buffer table");
  return wrap_tagged(info.Env(), table, kTableTag);
}

// attach(ringFd, firstSlot, slots, createTable)
Napi::Value Attach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = fd_arg(info, 0);
  const uint32_t first = whole_arg(info, 1, "firstSlot", 0, kIoUringMaxSlots - 1);
  const uint32_t slots = whole_arg(info, 2, "slots", 1, kIoUringMaxSlots - first);
  if (!info[3].IsBoolean()) throw invalid_arg_type(env, "createTable", "boolean");
  FixedBufferTable* table = nullptr;
  OsError err = FixedBufferTable::attach(fd, first, slots, info[3].As<Napi::Boolean>().Value(), &table);
  if (err.failed()) throw table_error(env, err, "Cannot attach to the io_uring ring");
  return wrap_tagged(env, table, kTableTag);
}

// fill(handle, address, length) -> slot
Napi::Value Fill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FixedBufferTable* table = open_table_arg(info);
  if (!info[1].IsBigInt()) throw invalid_arg_type(env, "address", "bigint");
  bool lossless = false;
  const uint64_t address = info[1].As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) {
    Napi::Error error = Napi::RangeError::New(env, "The value of \"address\" is out of range. It must be >= 0n && < 2n ** 64n");
    error.Set("code", "ERR_OUT_OF_RANGE");
    throw error;
  }
  const uint64_t length = whole_arg(info, 2, "length", 1, static_cast<double>(kIoUringMaxBuffer));
  uint32_t slot = 0;
  OsError err = table->fill(address, length, &slot);
  if (err.failed()) throw table_error(env, err, "Cannot register the buffer in a fixed-buffer slot");
  return Napi::Number::New(env, slot);
}

// empty(handle, slot)
Napi::Value Empty(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // Not open_table_arg: a slot of a lost ring is emptied by counting it so.
  FixedBufferTable* table = table_arg(info);
  const uint32_t slot = whole_arg(info, 1, "slot", 0, kIoUringMaxSlots - 1);
  if (!table->holds(slot)) throw invalid_state(env, "Slot " + std::to_string(slot) + " holds no registration of this registrar");
  OsError err = table->empty(slot);
  if (err.failed()) throw os_error(env, err, "Cannot empty the fixed-buffer slot");
  return env.Undefined();
}

// cloneInto(handle, ringFd)
Napi::Value CloneInto(const Napi::CallbackInfo& info) {
  FixedBufferTable* table = open_table_arg(info);
  OsError err = table->clone_into(fd_arg(info, 1));
  if (err.failed()) throw table_error(info.Env(), err, "Cannot clone the fixed-buffer table into the ring");
  return info.Env().Undefined();
}

// state(handle) -> {fd, slotsInUse, lost}; fd is -1 once closed or lost
Napi::Value State(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FixedBufferTable* table = table_arg(info);
  const bool lost = table->lost();  // first: it drops a descriptor found lost
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", table->fd());
  out.Set("slotsInUse", table->in_use());
  out.Set("lost", lost);
  return out;
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FixedBufferTable* table = table_arg(info);
  if (table->in_use() != 0) throw invalid_state(env, "The registrar still has registered buffers");
  table->close();
  return env.Undefined();
}

// memlockLimit() -> {soft, hard} in bytes (Infinity: unlimited), or null
Napi::Value MemlockLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t soft = 0, hard = 0;
  if (!io_uring_memlock_limit(&soft, &hard)) return env.Null();
  auto bytes = [](uint64_t v) { return v == UINT64_MAX ? INFINITY : static_cast<double>(v); };
  Napi::Object out = Napi::Object::New(env);
  out.Set("soft", bytes(soft));
  out.Set("hard", bytes(hard));
  return out;
}

}  // namespace

Napi::Object io_uring_exports(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);
  set_guarded<Probe>(env, out, "probe");
  set_guarded<Create>(env, out, "create");
  set_guarded<Attach>(env, out, "attach");
  set_guarded<Fill>(env, out, "fill");
  set_guarded<Empty>(env, out, "empty");
  set_guarded<CloneInto>(env, out, "cloneInto");
  set_guarded<State>(env, out, "state");
  set_guarded<Close>(env, out, "close");
  set_guarded<MemlockLimit>(env, out, "memlockLimit");
  return out;
}

}  // namespace rbp
