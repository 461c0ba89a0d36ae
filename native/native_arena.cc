#include "native_arena.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>

#include "js_error.h"
#include "platform.h"
#ifdef RBP_SIMULATED_RIO
#include "rio_simulated.h"
#endif

namespace rbp {

namespace {

}  // namespace

// OS memory has two owners: the ArrayBuffer's backing store and the
// NativeArena. It is unmapped when both have let go: never while a view (or
// a transferred copy of the ArrayBuffer) can reach it, and never while the
// arena may still be registered.
struct MappedBlock {
  void* base;
  size_t size;
  bool large_pages;
  std::atomic<int> owners{2};
};

void release_block(MappedBlock* block) {
  if (block->owners.fetch_sub(1) != 1) return;
  memory_unmap(block->base, block->size, block->large_pages);  // nothing useful to do on failure
  delete block;
}

namespace {

void release_backing_store(napi_env /*env*/, void* /*data*/, void* hint) {
  release_block(static_cast<MappedBlock*>(hint));
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

bool bool_arg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsBoolean()) throw invalid_arg_type(info.Env(), name, "boolean");
  return info[index].As<Napi::Boolean>().Value();
}

}  // namespace

Napi::Function NativeArena::Define(Napi::Env env) {
  return DefineClass(env, "NativeArena",
                     {
                         InstanceAccessor<&NativeArena::GetArrayBuffer>("arrayBuffer"),
                         InstanceAccessor<&NativeArena::GetByteOffset>("byteOffset"),
                         InstanceAccessor<&NativeArena::GetAddress>("address"),
                         InstanceAccessor<&NativeArena::GetSize>("size"),
                         InstanceAccessor<&NativeArena::GetLargePages>("largePages"),
                         InstanceMethod<&NativeArena::RegisterRio>("registerRio"),
                         InstanceMethod<&NativeArena::DeregisterRio>("deregisterRio"),
                         InstanceMethod<&NativeArena::Close>("close"),
                     });
}

NativeArena::NativeArena(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeArena>(info) {
  Napi::Env env = info.Env();
  size_ = arena_size_arg(info);
  const bool lock = bool_arg(info, 1, "lock");
  const bool want_large_pages = bool_arg(info, 2, "largePages");

  void* memory = nullptr;
  OsError err = memory_map(size_, want_large_pages, &memory, &large_pages_);
  if (err.failed()) throw os_error(env, err, "cannot allocate the arena");

  auto* block = new MappedBlock{memory, size_, large_pages_};
  napi_value array_buffer;
#ifdef RBP_SIMULATED_RIO
  // Test builds can stand in for a runtime without external buffers.
  napi_status status = simulated_rio::refuse_external_buffers()
                           ? napi_no_external_buffers_allowed
                           : napi_create_external_arraybuffer(env, memory, size_, release_backing_store, block, &array_buffer);
#else
  napi_status status =
      napi_create_external_arraybuffer(env, memory, size_, release_backing_store, block, &array_buffer);
#endif
  if (status == napi_ok) {
    block_ = block;
    base_ = static_cast<char*>(memory);
  } else {
    delete block;
    memory_unmap(memory, size_, large_pages_);
    large_pages_ = false;
    if (status != napi_no_external_buffers_allowed) NAPI_THROW_IF_FAILED_VOID(env, status);
    // A runtime with the V8 sandbox (Electron) refuses outside memory: take
    // V8's own, one page larger, and align the arena inside it.
    const size_t page = system_info().page_size;
    void* data = nullptr;
    status = napi_create_arraybuffer(env, size_ + page, &data, &array_buffer);
    NAPI_THROW_IF_FAILED_VOID(env, status);
    const uintptr_t start = reinterpret_cast<uintptr_t>(data);
    const uintptr_t aligned = (start + page - 1) & ~static_cast<uintptr_t>(page - 1);
    base_ = reinterpret_cast<char*>(aligned);
    byte_offset_ = aligned - start;
  }
  array_buffer_ = Napi::Persistent(Napi::ArrayBuffer(env, array_buffer));

  if (lock) {
    err = memory_lock(base_, size_);
    if (err.failed()) {
      napi_detach_arraybuffer(env, array_buffer);
      ReleaseMemory();  // no destructor runs for a constructor that throws
      closed_ = true;
      throw os_error(env, err, "cannot lock the arena's pages in memory");
    }
    locked_ = true;
  }
}

NativeArena::~NativeArena() {
  // Never closed: the safety net. The memory itself goes with the
  // ArrayBuffer, which this object kept alive until now.
  if (!closed_) {
    Deregister();
    Unlock();
    ReleaseMemory();
  }
}

void NativeArena::ReleaseMemory() {
  if (block_ == nullptr) return;
  release_block(block_);
  block_ = nullptr;
}

void NativeArena::RequireOpen(Napi::Env env) const {
  if (closed_) throw invalid_state(env, "The arena is closed");
}

void NativeArena::Deregister() {
  if (!registered_) return;
  rio_deregister(buffer_id_);
  registered_ = false;
  buffer_id_ = kRioInvalidBufferId;
}

void NativeArena::Unlock() {
  if (!locked_) return;
  memory_unlock(base_, size_);
  locked_ = false;
}

Napi::Value NativeArena::GetArrayBuffer(const Napi::CallbackInfo& /*info*/) {
  return array_buffer_.Value();
}

Napi::Value NativeArena::GetByteOffset(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(byte_offset_));
}

Napi::Value NativeArena::GetAddress(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(reinterpret_cast<uintptr_t>(base_)));
}

Napi::Value NativeArena::GetSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(size_));
}

Napi::Value NativeArena::GetLargePages(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), large_pages_);
}

Napi::Value NativeArena::RegisterRio(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOpen(env);
  if (registered_) throw invalid_state(env, "The arena is already registered");
  RioBufferId id = kRioInvalidBufferId;
  OsError err = rio_register(base_, size_, &id);
  if (err.failed()) throw os_error(env, err, "cannot register the arena with RIO");
  registered_ = true;
  buffer_id_ = id;
  return Napi::BigInt::New(env, static_cast<uint64_t>(id));
}

Napi::Value NativeArena::DeregisterRio(const Napi::CallbackInfo& info) {
  RequireOpen(info.Env());
  Deregister();
  return info.Env().Undefined();
}

Napi::Value NativeArena::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) return env.Undefined();
  Deregister();
  Unlock();
  closed_ = true;
  // Every view over the arena becomes zero-length. If the ArrayBuffer was
  // still ours (not transferred away), nothing can read the memory now, so
  // its pages go back at once; the mapping goes with the backing store.
  napi_value array_buffer = array_buffer_.Value();
  bool was_detached = true;
  NAPI_THROW_IF_FAILED(env, napi_is_detached_arraybuffer(env, array_buffer, &was_detached), env.Undefined());
  NAPI_THROW_IF_FAILED(env, napi_detach_arraybuffer(env, array_buffer), env.Undefined());
  if (block_ != nullptr && !was_detached && !large_pages_) memory_discard(base_, size_);
  ReleaseMemory();
  return env.Undefined();
}

}  // namespace rbp
