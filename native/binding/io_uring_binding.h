// Node-API glue for the io_uring registrar (lib/io-uring-registrar.ts):
// exports.ioUring, a set of functions over tagged FixedBufferTable handles.
#pragma once

#include <napi.h>

namespace rbp {

Napi::Object io_uring_exports(Napi::Env env);

}  // namespace rbp
