// The test build's side of binding/build_variant.h: what tests read from,
// and do to, the simulated-RIO build, as its `simulatedRio` export, and
// arenas that can be told to act as under Electron's V8 sandbox. Glue only;
// the simulated provider is rio_simulated.cc.
//
//   counters()                 -> { loads, unloads, registered, deregistered,
//                                   deregisterErrors, live }
//   failNextRegister(winerror) -> the next registration fails with it; 0 cancels
//   isRegistered(id: bigint)   -> whether id is live
//   register(address: bigint, length) -> bigint id; throws like registerRio()
//   deregister(id: bigint)     -> straight to the provider, unknown ids included
//   refuseExternalBuffers(on)  -> new arenas take V8-owned memory, as under
//                                 Electron's V8 sandbox
//   invalidBufferId            -> bigint: the sentinel rio.h checks for
#include <atomic>

#include "../binding/build_variant.h"
#include "../binding/js_error.h"
#include "rio_simulated.h"

namespace rbp {
namespace simulated_rio {

namespace {

// While set, external buffers are refused as Electron's V8 sandbox refuses
// them, so new arenas take V8-owned memory.
std::atomic<bool> refuse_external{false};

RioBufferId id_arg(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsBigInt()) throw invalid_arg_type(info.Env(), "id", "bigint");
  bool lossless = true;
  return info[index].As<Napi::BigInt>().Uint64Value(&lossless);
}

Napi::Value GetCounters(const Napi::CallbackInfo& info) {
  const Counters c = counters();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("loads", static_cast<double>(c.loads));
  out.Set("unloads", static_cast<double>(c.unloads));
  out.Set("registered", static_cast<double>(c.registered));
  out.Set("deregistered", static_cast<double>(c.deregistered));
  out.Set("deregisterErrors", static_cast<double>(c.deregister_errors));
  out.Set("live", static_cast<double>(c.live));
  return out;
}

Napi::Value FailNextRegister(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throw invalid_arg_type(info.Env(), "winerror", "number");
  fail_next_register(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value IsRegistered(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), is_registered(id_arg(info, 0)));
}

Napi::Value Register(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBigInt()) throw invalid_arg_type(env, "address", "bigint");
  if (!info[1].IsNumber()) throw invalid_arg_type(env, "length", "number");
  bool lossless = true;
  const uint64_t address = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
  const int64_t length = info[1].As<Napi::Number>().Int64Value();
  if (length < 0) throw out_of_range(env, "length", ">= 0", static_cast<double>(length));
  RioBufferId id = kRioInvalidBufferId;
  OsError err = rio_register(reinterpret_cast<void*>(static_cast<uintptr_t>(address)),
                             static_cast<size_t>(length), &id);
  if (err.failed()) throw os_error(env, err, "cannot register the range with RIO");
  return Napi::BigInt::New(env, static_cast<uint64_t>(id));
}

Napi::Value RefuseExternalBuffers(const Napi::CallbackInfo& info) {
  if (!info[0].IsBoolean()) throw invalid_arg_type(info.Env(), "on", "boolean");
  refuse_external.store(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value Deregister(const Napi::CallbackInfo& info) {
  rio_deregister(id_arg(info, 0));
  return info.Env().Undefined();
}

Napi::Object js_controls(Napi::Env env) {
  Napi::Object controls = Napi::Object::New(env);
  controls.Set("counters", Napi::Function::New<GetCounters>(env, "counters"));
  controls.Set("failNextRegister", Napi::Function::New<FailNextRegister>(env, "failNextRegister"));
  controls.Set("isRegistered", Napi::Function::New<IsRegistered>(env, "isRegistered"));
  controls.Set("register", Napi::Function::New<Register>(env, "register"));
  controls.Set("deregister", Napi::Function::New<Deregister>(env, "deregister"));
  controls.Set("refuseExternalBuffers", Napi::Function::New<RefuseExternalBuffers>(env, "refuseExternalBuffers"));
  controls.Set("invalidBufferId", Napi::BigInt::New(env, static_cast<uint64_t>(kRioInvalidBufferId)));
  return controls;
}

}  // namespace

}  // namespace simulated_rio

napi_status create_external_buffer(napi_env env, size_t length, void* data, napi_finalize finalize, void* hint,
                                   napi_value* result) {
  if (simulated_rio::refuse_external.load()) return napi_no_external_buffers_allowed;
  return napi_create_external_buffer(env, length, data, finalize, hint, result);
}

void add_variant_exports(Napi::Env env, Napi::Object exports) {
  exports.Set("simulatedRio", simulated_rio::js_controls(env));
}

}  // namespace rbp
