// Node-API callbacks that no C++ exception can leave, however the addon is
// built. node-addon-api's own wrapper rethrows when napi_throw fails (as it
// does while a worker's environment terminates), and a rethrow out of a
// callback is std::terminate. Here a failed throw is dropped instead: the
// environment is going away and nobody is left to catch it.
//
// Wrapped objects carry a type tag, checked on every entry, so a method
// handed another addon's object (or a plain one) throws instead of reading it.
#pragma once

#include <napi.h>

namespace rbp {

namespace guard_detail {

inline void throw_quietly(napi_env env, const Napi::Error& error) noexcept {
  try {
    napi_value value = error.Value();
    if (value != nullptr) napi_throw(env, value);  // fails only while the env terminates
  } catch (...) {
  }
}

}  // namespace guard_detail

template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
napi_value guarded(napi_env env, napi_callback_info cb) noexcept {
  try {
    Napi::CallbackInfo info(env, cb);
    return Fn(info);
  } catch (const Napi::Error& error) {
    guard_detail::throw_quietly(env, error);
  } catch (...) {
    // Only a failed Node-API call while the env terminates gets here.
  }
  return nullptr;
}

// exports[name] = a guarded function. Throws Napi::Error on failure (at
// module load, where node-addon-api's Init wrapper reports it).
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
void set_guarded(Napi::Env env, Napi::Object target, const char* name) {
  napi_value fn;
  napi_status status = napi_create_function(env, name, NAPI_AUTO_LENGTH, guarded<Fn>, nullptr, &fn);
  NAPI_THROW_IF_FAILED_VOID(env, status);
  target.Set(name, Napi::Value(env, fn));
}

// Wraps native in a new tagged object; delete_native runs when the object is
// collected or its environment tears down, whichever comes first.
template <typename T>
Napi::Object wrap_tagged(Napi::Env env, T* native, const napi_type_tag& tag) {
  napi_value object;
  napi_status status = napi_create_object(env, &object);
  if (status == napi_ok) status = napi_type_tag_object(env, object, &tag);
  if (status == napi_ok) {
    status = napi_wrap(
        env, object, native, [](napi_env, void* data, void*) { delete static_cast<T*>(data); }, nullptr,
        nullptr);
  }
  if (status != napi_ok) {
    delete native;
    NAPI_THROW_IF_FAILED(env, status, Napi::Object());
  }
  return Napi::Object(env, object);
}

// The native object behind value, or null when value is not an object
// wrapped with this tag (or was already finalized).
template <typename T>
T* unwrap_tagged(Napi::Env env, napi_value value, const napi_type_tag& tag) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_object) return nullptr;
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, &tag, &tagged) != napi_ok || !tagged) return nullptr;
  void* data = nullptr;
  if (napi_unwrap(env, value, &data) != napi_ok) return nullptr;
  return static_cast<T*>(data);
}

}  // namespace rbp
