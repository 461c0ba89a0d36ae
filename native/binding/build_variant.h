// Where the simulated-RIO test build differs from a release build in the
// glue: two functions, each defined once per build and picked by
// binding.gyp's sources, never by a macro. Release builds (npm install,
// prebuildify) link binding/release_variant.cc; the test build links
// simulated/controls.cc instead, beside the simulated RIO provider.
#pragma once

#include <napi.h>

#include <cstddef>

namespace rbp {

// napi_create_external_buffer, through which every external buffer the
// addon makes is made. A runtime with V8's sandbox (Electron) answers
// napi_no_external_buffers_allowed and leaves *result unset; the arena then
// takes V8-owned memory instead (native_arena.cc). The test build can be
// told to answer so.
napi_status create_external_buffer(napi_env env, size_t length, void* data, napi_finalize finalize, void* hint,
                                   napi_value* result);

// Adds what the build has beside the addon's own exports: nothing in a
// release build; `simulatedRio`, the simulation's controls, in the test build.
void add_variant_exports(Napi::Env env, Napi::Object exports);

}  // namespace rbp
