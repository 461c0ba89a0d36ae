// Node-API glue for the io_uring registrar (lib/arenas/io-uring-registrar.ts,
// typed in lib/arenas/io-uring-native.ts): exports.ioUring, a set of
// functions over tagged FixedBufferTable handles (core/io_uring_table.h).
#pragma once

#include <napi.h>

namespace rbp {

Napi::Object io_uring_exports(Napi::Env env);

}  // namespace rbp
