// NativeArena (native_arena.h): its argument checks, the order of
// teardown, and the fallback to V8-owned memory where external buffers are
// refused. The pages themselves are ArenaMemory's (arena_memory.cc).
#include "native_arena.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "../core/platform.h"
#include "arena_memory.h"
#include "js_error.h"
#include "napi_guard.h"

namespace rbp {

namespace {

// Unique to this binary image: a NativeArena of another build (or another
// addon's wrapped object) carries another tag, or none.
const napi_type_tag& arena_tag() {
  static const char anchor = 0;
  static const napi_type_tag tag{0x7269622d6172656eULL, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&anchor))};
  return tag;
}

double max_arena_size() {
  // A RIO_BUF offset and RIORegisterBuffer's DataLength are 32-bit.
  return 4294967296.0 - static_cast<double>(system_info().allocation_granularity);
}

size_t arena_size_arg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw invalid_arg_type(env, "size", "number");
  const double size = info[0].As<Napi::Number>().DoubleValue();
  const double granularity = static_cast<double>(system_info().allocation_granularity);
  if (!(size >= granularity && size <= max_arena_size()) || std::fmod(size, granularity) != 0) {
    std::string expected = "a multiple of " + std::to_string(system_info().allocation_granularity) +
                           " from " + std::to_string(system_info().allocation_granularity) +
                           " to " + std::to_string(static_cast<uint64_t>(max_arena_size()));
    throw out_of_range(env, "size", expected, size);
  }
  return static_cast<size_t>(size);
}

bool is_token(const std::string& text) {
  if (text.size() != 32) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A BigInt's value, rounded, for an error message.
double bigint_to_double(Napi::BigInt value) {
  int sign = 0;
  size_t count = value.WordCount();
  std::unique_ptr<uint64_t[]> words(new uint64_t[count == 0 ? 1 : count]);
  value.ToWords(&sign, &count, words.get());
  double result = 0;
  for (size_t i = count; i-- > 0;) result = result * 18446744073709551616.0 + static_cast<double>(words[i]);
  return sign ? -result : result;
}

bool bool_arg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsBoolean()) throw invalid_arg_type(info.Env(), name, "boolean");
  return info[index].As<Napi::Boolean>().Value();
}

const char* lock_failure_hint(const OsError& err) {
  // ERROR_WORKING_SET_QUOTA: VirtualLock is bounded by the minimum working set.
  if (err.domain == ErrorDomain::kWindows && err.number == 1453)
    return "cannot lock the arena's pages in memory (VirtualLock is limited by the process's minimum working "
           "set: raise it with SetProcessWorkingSetSize, or let RIO registration pin the pages instead)";
  return "cannot lock the arena's pages in memory";
}

}  // namespace

Napi::Function NativeArena::Define(Napi::Env env) {
  const auto attrs = static_cast<napi_property_attributes>(napi_enumerable | napi_configurable);
  const napi_property_descriptor accessors[] = {
      {"arrayBuffer", nullptr, nullptr, guarded<GetArrayBuffer>, nullptr, nullptr, attrs, nullptr},
      {"byteOffset", nullptr, nullptr, guarded<GetByteOffset>, nullptr, nullptr, attrs, nullptr},
      {"address", nullptr, nullptr, guarded<GetAddress>, nullptr, nullptr, attrs, nullptr},
      {"size", nullptr, nullptr, guarded<GetSize>, nullptr, nullptr, attrs, nullptr},
      {"largePages", nullptr, nullptr, guarded<GetLargePages>, nullptr, nullptr, attrs, nullptr},
      {"osMemory", nullptr, nullptr, guarded<GetOsMemory>, nullptr, nullptr, attrs, nullptr},
      {"users", nullptr, nullptr, guarded<GetUsers>, nullptr, nullptr, attrs, nullptr},
      {"sharedKind", nullptr, nullptr, guarded<GetSharedKind>, nullptr, nullptr, attrs, nullptr},
      {"sharedId", nullptr, nullptr, guarded<GetSharedId>, nullptr, nullptr, attrs, nullptr},
  };
  // Methods go on the prototype afterwards: napi_define_class would give
  // them V8's signature check, whose "Illegal invocation" carries no code.
  const auto method_attrs = static_cast<napi_property_attributes>(napi_writable | napi_configurable);
  const napi_property_descriptor methods[] = {
      {"registerRio", nullptr, guarded<RegisterRio>, nullptr, nullptr, nullptr, method_attrs, nullptr},
      {"share", nullptr, guarded<Share>, nullptr, nullptr, nullptr, method_attrs, nullptr},
      {"storeOnExit", nullptr, guarded<StoreOnExit>, nullptr, nullptr, nullptr, method_attrs, nullptr},
      {"retire", nullptr, guarded<Retire>, nullptr, nullptr, nullptr, method_attrs, nullptr},
      {"relist", nullptr, guarded<Relist>, nullptr, nullptr, nullptr, method_attrs, nullptr},
      {"close", nullptr, guarded<Close>, nullptr, nullptr, nullptr, method_attrs, nullptr},
  };
  napi_value ctor;
  NAPI_THROW_IF_FAILED(env,
                       napi_define_class(env, "NativeArena", NAPI_AUTO_LENGTH, guarded<New>, nullptr,
                                         sizeof(accessors) / sizeof(accessors[0]), accessors, &ctor),
                       Napi::Function());
  Napi::Object prototype = Napi::Function(env, ctor).Get("prototype").As<Napi::Object>();
  NAPI_THROW_IF_FAILED(env, napi_define_properties(env, prototype, sizeof(methods) / sizeof(methods[0]), methods),
                       Napi::Function());
  return Napi::Function(env, ctor);
}

// new NativeArena(size, lock, largePages), or new NativeArena(token)
Napi::Value NativeArena::New(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.NewTarget().IsEmpty()) throw construct_call_required(env, "NativeArena");
  std::unique_ptr<NativeArena> arena(new NativeArena());
  if (info[0].IsString()) {
    const std::string token = info[0].As<Napi::String>().Utf8Value();
    if (!is_token(token)) throw invalid_arg_type(env, "token", "a token from share() (32 hexadecimal digits)");
    arena->AttachMemory(env, token);
  } else {
    const size_t size = arena_size_arg(info);
    const bool lock = bool_arg(info, 1, "lock");
    const bool want_large_pages = bool_arg(info, 2, "largePages");
    arena->size_ = size;
    arena->MapMemory(env, want_large_pages);
    if (lock) {
      OsError err = arena->mapping_ != nullptr ? arena->mapping_->Lock() : memory_lock(arena->base_, size);
      if (err.failed()) {
        arena->DropUser();
        arena->LetGoOfMemory(true);  // nobody saw it: detached and unmapped now
        throw os_error(env, err, lock_failure_hint(err));
      }
    }
  }

  napi_value self = info.This();
  napi_status status = napi_type_tag_object(env, self, &arena_tag());
  if (status == napi_ok) status = napi_wrap(env, self, arena.get(), Finalize, nullptr, nullptr);
  if (status != napi_ok) {
    // (A worker being terminated refuses these.) Nobody saw the arena or its
    // view: detached now, the view cannot keep the pages, which go at once
    // instead of being kept for good as an escape the teardown cannot rule out.
    arena->DropUser();
    arena->closed_ = true;
    arena->LetGoOfMemory(true);
    NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  }
  arena.release();  // the wrapper's finalizer owns it now
  return Napi::Value(env, self);
}

void NativeArena::MapMemory(Napi::Env env, bool want_large_pages) {
  OsError err = SharedMapping::Map(size_, want_large_pages, &mapping_);
  if (err.failed()) throw os_error(env, err, "cannot allocate the arena");
  memory_ = new ArenaMemory(env, mapping_);
  base_ = mapping_->base();
  large_pages_ = mapping_->large_pages();
  napi_value array_buffer;
  napi_status status = memory_->CurrentBuffer(&array_buffer);
  if (status == napi_ok) return;
  DropUser();
  LetGoOfMemory(false);  // no view was made: unmapped now
  base_ = nullptr;
  large_pages_ = false;
  if (status != napi_no_external_buffers_allowed) NAPI_THROW_IF_FAILED_VOID(env, status);
  TakeV8Memory(env);
}

void NativeArena::AttachMemory(Napi::Env env, const std::string& token) {
  mapping_ = SharedMapping::Attach(token);
  if (mapping_ == nullptr) throw pool_condition(env, "RIOPOOL_CLOSED", "The shared arena is closed in every thread");
  memory_ = new ArenaMemory(env, mapping_);
  base_ = mapping_->base();
  size_ = mapping_->size();
  large_pages_ = mapping_->large_pages();
  napi_value array_buffer;
  napi_status status = memory_->CurrentBuffer(&array_buffer);
  if (status == napi_ok) return;
  DropUser();
  LetGoOfMemory(false);
  NAPI_THROW_IF_FAILED_VOID(env, status);
}

void NativeArena::TakeV8Memory(Napi::Env env) {
  // A runtime with the V8 sandbox (Electron) refuses outside memory: take
  // V8's own, one page larger, and align the arena inside it.
  const size_t page = system_info().page_size;
  void* data = nullptr;
  napi_value array_buffer;
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_arraybuffer(env, size_ + page, &data, &array_buffer));
  const uintptr_t start = reinterpret_cast<uintptr_t>(data);
  const uintptr_t aligned = (start + page - 1) & ~static_cast<uintptr_t>(page - 1);
  base_ = reinterpret_cast<char*>(aligned);
  byte_offset_ = aligned - start;
  v8_buffer_ = Napi::Persistent(Napi::ArrayBuffer(env, array_buffer));
}

NativeArena::~NativeArena() {
  // Never closed: the safety net (a finalizer, or the environment's teardown).
  // The pages stay while a view of them may live. Exit stores stay armed:
  // they run at teardown, holding the pages themselves.
  DropUser();
  LetGoOfMemory(false);
}

void NativeArena::Finalize(napi_env /*env*/, void* data, void* /*hint*/) { delete static_cast<NativeArena*>(data); }

NativeArena& NativeArena::From(const Napi::CallbackInfo& info) {
  NativeArena* arena = unwrap_tagged<NativeArena>(info.Env(), info.This(), arena_tag());
  if (arena == nullptr) throw invalid_this(info.Env(), "NativeArena");
  return *arena;
}

void NativeArena::RequireOpen(Napi::Env env) const {
  if (closed_) throw invalid_state(env, "The arena is closed");
}

void NativeArena::DropUser() {
  // The process's last user deregisters and unlocks, in whichever thread.
  if (mapping_ == nullptr) return;
  mapping_->DropUser();
  mapping_ = nullptr;
}

void NativeArena::LetGoOfMemory(bool detach) {
  if (memory_ != nullptr) {
    memory_->LetGo(detach);
    memory_ = nullptr;
  } else if (!v8_buffer_.IsEmpty()) {
    if (detach) napi_detach_arraybuffer(v8_buffer_.Env(), v8_buffer_.Value());
    v8_buffer_.Reset();
  }
}

Napi::Value NativeArena::GetArrayBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeArena& arena = From(info);
  if (arena.closed_) return Napi::ArrayBuffer::New(env, 0);
  if (arena.memory_ == nullptr) return arena.v8_buffer_.Value();
  napi_value array_buffer;
  NAPI_THROW_IF_FAILED(env, arena.memory_->CurrentBuffer(&array_buffer), Napi::Value());
  return Napi::Value(env, array_buffer);
}

Napi::Value NativeArena::GetByteOffset(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(From(info).byte_offset_));
}

Napi::Value NativeArena::GetAddress(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(reinterpret_cast<uintptr_t>(From(info).base_)));
}

Napi::Value NativeArena::GetSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(From(info).size_));
}

Napi::Value NativeArena::GetLargePages(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), From(info).large_pages_);
}

Napi::Value NativeArena::GetOsMemory(const Napi::CallbackInfo& info) {
  const NativeArena& arena = From(info);
  return Napi::Boolean::New(info.Env(), arena.v8_buffer_.IsEmpty());
}

Napi::Value NativeArena::GetUsers(const Napi::CallbackInfo& info) {
  const NativeArena& arena = From(info);
  return Napi::Number::New(info.Env(), arena.mapping_ == nullptr ? 0 : arena.mapping_->users());
}

namespace {

const char* registration_name(Registration kind) {
  switch (kind) {
    case Registration::kRio: return "rio";
    case Registration::kCustom: return "custom";
    default: return "none";
  }
}

}  // namespace

Napi::Value NativeArena::GetSharedKind(const Napi::CallbackInfo& info) {
  const NativeArena& arena = From(info);
  if (arena.mapping_ == nullptr) return info.Env().Null();
  return Napi::String::New(info.Env(), registration_name(arena.mapping_->shared_kind()));
}

Napi::Value NativeArena::GetSharedId(const Napi::CallbackInfo& info) {
  const NativeArena& arena = From(info);
  if (arena.mapping_ == nullptr || arena.mapping_->shared_kind() == Registration::kNone) return info.Env().Null();
  return Napi::BigInt::New(info.Env(), arena.mapping_->shared_id());
}

Napi::Value NativeArena::RegisterRio(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeArena& arena = From(info);
  arena.RequireOpen(env);
  if (arena.mapping_ == nullptr) throw invalid_state(env, "V8-owned memory cannot be registered");
  if (arena.mapping_->rio_registered()) throw invalid_state(env, "The arena is already registered");
  // Once shared, other threads may read the registration: it is fixed then.
  if (arena.mapping_->users() != 1 || arena.mapping_->shared())
    throw invalid_state(env, "Only an arena not yet shared can be registered");
  RioBufferId id = kRioInvalidBufferId;
  OsError err = arena.mapping_->RegisterRio(&id);
  if (err.failed()) throw os_error(env, err, "cannot register the arena with RIO");
  return Napi::BigInt::New(env, static_cast<uint64_t>(id));
}

// share(kind, customId): the token other threads attach with.
Napi::Value NativeArena::Share(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeArena& arena = From(info);
  arena.RequireOpen(env);
  if (arena.mapping_ == nullptr) throw invalid_state(env, "V8-owned memory cannot be shared with other threads");
  if (!info[0].IsString()) throw invalid_arg_type(env, "kind", "string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  Registration kind = Registration::kNone;
  uint64_t custom_id = 0;
  if (name == "custom") {
    if (!info[1].IsBigInt()) throw invalid_arg_type(env, "id", "bigint");
    bool lossless = false;
    custom_id = info[1].As<Napi::BigInt>().Uint64Value(&lossless);
    // Another thread would read a different id: perhaps another registration's.
    if (!lossless) throw out_of_range(env, "id", "from 0 to 2^64 - 1", bigint_to_double(info[1].As<Napi::BigInt>()));
    kind = Registration::kCustom;
  } else if (name == "rio") {
    if (!arena.mapping_->rio_registered()) throw invalid_state(env, "The arena is not registered with RIO");
    kind = Registration::kRio;
  } else if (name != "none") {
    throw invalid_arg_type(env, "kind", "'none', 'rio' or 'custom'");
  }
  return Napi::String::New(env, arena.mapping_->Share(kind, custom_id));
}

// storeOnExit(byteOffset, value): see exit_store.h.
Napi::Value NativeArena::StoreOnExit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeArena& arena = From(info);
  arena.RequireOpen(env);
  if (arena.mapping_ == nullptr) throw invalid_state(env, "V8-owned memory outlives no thread: it cannot take an exit store");
  if (!info[0].IsNumber()) throw invalid_arg_type(env, "byteOffset", "number");
  if (!info[1].IsNumber()) throw invalid_arg_type(env, "value", "number");
  const double offset = info[0].As<Napi::Number>().DoubleValue();
  const double value = info[1].As<Napi::Number>().DoubleValue();
  const double last = static_cast<double>(arena.size_) - 4;
  if (!(offset >= 0 && offset <= last) || std::fmod(offset, 4) != 0)
    throw out_of_range(env, "byteOffset", "a multiple of 4 from 0 to " + std::to_string(static_cast<uint64_t>(last)), offset);
  if (!(value >= -2147483648.0 && value <= 2147483647.0) || std::trunc(value) != value)
    throw out_of_range(env, "value", "an integer >= -2147483648 && <= 2147483647", value);
  ExitStore* store = ExitStore::Arm(env, arena.mapping_, static_cast<size_t>(offset), static_cast<int32_t>(value));
  if (store == nullptr) throw invalid_state(env, "This runtime would not run a hook at the thread's teardown");
  arena.exit_stores_.push_back(store);
  return env.Undefined();
}

void NativeArena::CancelExitStores() {
  for (ExitStore* store : exit_stores_) store->Cancel();
  exit_stores_.clear();
}

// retire(): true when no other arena is attached, and none can attach from
// now on (a creator giving back its Registrar's registration before close());
// false while another is. Closed or V8-owned memory: nothing can attach.
Napi::Value NativeArena::Retire(const Napi::CallbackInfo& info) {
  NativeArena& arena = From(info);
  return Napi::Boolean::New(info.Env(), arena.mapping_ == nullptr || arena.mapping_->Retire());
}

// relist(): undoes retire(), when the give-back failed and the arena stays open.
Napi::Value NativeArena::Relist(const Napi::CallbackInfo& info) {
  NativeArena& arena = From(info);
  if (arena.mapping_ != nullptr) arena.mapping_->Relist();
  return info.Env().Undefined();
}

Napi::Value NativeArena::Close(const Napi::CallbackInfo& info) {
  NativeArena& arena = From(info);
  if (!arena.closed_) {
    arena.CancelExitStores();
    // Each step finishes before its state changes, so nothing is lost if
    // a later one cannot run: the memory then goes with its last view.
    arena.DropUser();
    arena.closed_ = true;
    arena.LetGoOfMemory(true);
  }
  return info.Env().Undefined();
}

}  // namespace rbp
