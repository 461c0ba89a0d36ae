// The release build's side of build_variant.h: external buffers as the
// runtime gives them, and no exports beyond the addon's own.
#include "build_variant.h"

namespace rbp {

napi_status create_external_buffer(napi_env env, size_t length, void* data, napi_finalize finalize, void* hint,
                                   napi_value* result) {
  return napi_create_external_buffer(env, length, data, finalize, hint, result);
}

void add_variant_exports(Napi::Env /*env*/, Napi::Object /*exports*/) {}

}  // namespace rbp
