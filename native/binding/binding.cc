// The addon's entry point: what it exports (NativeArena, platformInfo,
// processMemory, ioUring, and the build variant's own, build_variant.h) and
// the per-environment attach/detach that keeps the RIO table loaded.
#include <napi.h>

#include "../core/platform.h"
#include "../core/rio.h"
#include "build_variant.h"
#include "io_uring_binding.h"
#include "js_error.h"
#include "native_arena.h"

namespace rbp {

namespace {

Napi::Value PlatformInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SystemInfo& sys = system_info();
  Napi::Object out = Napi::Object::New(env);
  out.Set("os", sys.os);
  out.Set("pageSize", static_cast<double>(sys.page_size));
  out.Set("allocationGranularity", static_cast<double>(sys.allocation_granularity));
  out.Set("largePageMinimum", static_cast<double>(sys.large_page_minimum));
  Napi::Object rio = Napi::Object::New(env);
  OsError err = rio_probe();
  rio.Set("available", !err.failed());
  if (err.failed()) rio.Set("error", os_error_info(env, err));
  out.Set("rio", rio);
  return out;
}

Napi::Value ProcessMemoryInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ProcessMemory memory{};
  if (!process_memory(&memory)) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("workingSet", static_cast<double>(memory.working_set));
  out.Set("commit", static_cast<double>(memory.commit));
  return out;
}

// One per load of the addon in an environment (a second load after the
// require cache is cleared gets its own), so attach and detach stay paired.
struct LoadedInstance {};

void DetachEnv(napi_env /*env*/, void* data, void* /*hint*/) {
  delete static_cast<LoadedInstance*>(data);
  rio_env_detach();
}

}  // namespace

}  // namespace rbp

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* instance = new rbp::LoadedInstance();
  // Instance data is finalized after every wrapped arena of this load, so
  // the RIO table outlives their deregistration.
  if (napi_set_instance_data(env, instance, rbp::DetachEnv, nullptr) != napi_ok) {
    delete instance;
    NAPI_THROW(Napi::Error::New(env, "cannot set up the addon in this environment"), exports);
  }
  rbp::rio_env_attach();
  exports.Set("NativeArena", rbp::NativeArena::Define(env));
  exports.Set("platformInfo", Napi::Function::New<rbp::PlatformInfo>(env, "platformInfo"));
  exports.Set("processMemory", Napi::Function::New<rbp::ProcessMemoryInfo>(env, "processMemory"));
  exports.Set("ioUring", rbp::io_uring_exports(env));
  rbp::add_variant_exports(env, exports);
  return exports;
}

NODE_API_MODULE(rio_buffer_pool, Init)
