// The JS-facing arena: one block of memory exposed as one ArrayBuffer,
// optionally registered with RIO. Teardown order is fixed here: deregister,
// unlock, detach, free.
//
// This layer alone owns a RIO registration: registerRio() makes it, and
// the close() (or, for an arena never closed, the finalizer) of the
// process's last arena over the memory is the only place that gives it back
// (SharedMapping). JS has no way to deregister RIO on its own, so the order
// above cannot be broken from there. (A JS Registrar's registration is JS's:
// lib/arenas/arena.ts gives it back before close().)
//
// `new NativeArena(token)` attaches to memory another arena shared (in any
// thread): a second arena over the same pages and registration, with views
// of its own in this environment.
//
// Every entry point first checks that its receiver is a NativeArena made by
// this very binary (a type tag), so another addon's wrapped object, a plain
// object or the prototype is refused with a TypeError, never read.
#pragma once

#include <napi.h>

#include "../core/rio.h"
#include "../core/shared_mapping.h"
#include "exit_store.h"

#include <vector>

namespace rbp {

class ArenaMemory;

class NativeArena {
 public:
  static Napi::Function Define(Napi::Env env);

  ~NativeArena();

 private:
  NativeArena() = default;

  static napi_value Construct(napi_env env, napi_callback_info info);
  static Napi::Value New(const Napi::CallbackInfo& info);
  static void Finalize(napi_env env, void* data, void* hint);
  static NativeArena& From(const Napi::CallbackInfo& info);

  static Napi::Value GetArrayBuffer(const Napi::CallbackInfo& info);
  static Napi::Value GetByteOffset(const Napi::CallbackInfo& info);
  static Napi::Value GetAddress(const Napi::CallbackInfo& info);
  static Napi::Value GetSize(const Napi::CallbackInfo& info);
  static Napi::Value GetLargePages(const Napi::CallbackInfo& info);
  static Napi::Value GetOsMemory(const Napi::CallbackInfo& info);
  static Napi::Value GetUsers(const Napi::CallbackInfo& info);
  static Napi::Value GetSharedKind(const Napi::CallbackInfo& info);
  static Napi::Value GetSharedId(const Napi::CallbackInfo& info);
  static Napi::Value RegisterRio(const Napi::CallbackInfo& info);
  static Napi::Value Share(const Napi::CallbackInfo& info);
  static Napi::Value StoreOnExit(const Napi::CallbackInfo& info);
  static Napi::Value Retire(const Napi::CallbackInfo& info);
  static Napi::Value Relist(const Napi::CallbackInfo& info);
  static Napi::Value Close(const Napi::CallbackInfo& info);

  void MapMemory(Napi::Env env, bool want_large_pages);
  void AttachMemory(Napi::Env env, const std::string& token);
  void TakeV8Memory(Napi::Env env);
  void RequireOpen(Napi::Env env) const;
  void DropUser();
  void CancelExitStores();
  void LetGoOfMemory(bool detach);

  char* base_ = nullptr;  // page aligned
  size_t size_ = 0;
  bool large_pages_ = false;
  // This arena's user of the process-wide mapping (its lock and RIO
  // registration); null once closed or finalized, or when the memory is V8's.
  SharedMapping* mapping_ = nullptr;
  // This environment's reach of the OS memory (VirtualAlloc/mmap), which
  // outlives this object while a view may reach it; null once let go, or
  // when the memory is V8's.
  ArenaMemory* memory_ = nullptr;
  // Under a V8 sandbox (Electron) the memory is V8's: one ArrayBuffer, the
  // arena page aligned inside it at byte_offset_. Never registered: a
  // transfer of that ArrayBuffer would free it behind the registration.
  Napi::Reference<Napi::ArrayBuffer> v8_buffer_;
  size_t byte_offset_ = 0;
  bool closed_ = false;
  // This thread's exit stores into the arena (exit_store.h), armed until
  // they fire at its teardown or close() cancels them.
  std::vector<ExitStore*> exit_stores_;
};

}  // namespace rbp
