// Node-API entry point: the NativeArena class and the platform description.
#include <napi.h>

#include "io_uring_binding.h"
#include "js_error.h"
#include "native_arena.h"
#include "platform.h"
#include "rio.h"
#ifdef RBP_SIMULATED_RIO
#include "rio_simulated.h"  // test builds only
#endif

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

void DetachEnv(void* /*arg*/) { rio_env_detach(); }

}  // namespace

}  // namespace rbp

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  rbp::rio_env_attach();
  napi_add_env_cleanup_hook(env, rbp::DetachEnv, nullptr);
  exports.Set("NativeArena", rbp::NativeArena::Define(env));
  exports.Set("platformInfo", Napi::Function::New<rbp::PlatformInfo>(env, "platformInfo"));
  exports.Set("ioUring", rbp::io_uring_exports(env));
#ifdef RBP_SIMULATED_RIO
  exports.Set("simulatedRio", rbp::simulated_rio::js_controls(env));
#endif
  return exports;
}

NODE_API_MODULE(rio_buffer_pool, Init)
