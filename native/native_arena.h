// The JS-facing arena: one block of OS memory exposed as one ArrayBuffer,
// optionally registered with RIO. Teardown order is fixed here: deregister,
// unlock, detach, free.
#pragma once

#include <napi.h>

#include "rio.h"

namespace rbp {

struct MappedBlock;

class NativeArena : public Napi::ObjectWrap<NativeArena> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new NativeArena(size, lock, largePages)
  explicit NativeArena(const Napi::CallbackInfo& info);
  ~NativeArena() override;

 private:
  Napi::Value GetArrayBuffer(const Napi::CallbackInfo& info);
  Napi::Value GetByteOffset(const Napi::CallbackInfo& info);
  Napi::Value GetAddress(const Napi::CallbackInfo& info);
  Napi::Value GetSize(const Napi::CallbackInfo& info);
  Napi::Value GetLargePages(const Napi::CallbackInfo& info);
  Napi::Value RegisterRio(const Napi::CallbackInfo& info);
  Napi::Value DeregisterRio(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  void RequireOpen(Napi::Env env) const;
  void Deregister();
  void Unlock();
  void ReleaseMemory();

  // Strong: the ArrayBuffer, and with it the memory, outlives the
  // registration even when both become garbage in the same cycle.
  Napi::Reference<Napi::ArrayBuffer> array_buffer_;
  char* base_ = nullptr;  // page aligned, inside array_buffer_
  size_t size_ = 0;
  size_t byte_offset_ = 0;  // of base_ inside array_buffer_ (non-zero only for V8-owned memory)
  MappedBlock* block_ = nullptr;  // OS memory (VirtualAlloc/mmap); null when V8-owned or let go
  bool large_pages_ = false;
  bool locked_ = false;
  bool registered_ = false;
  RioBufferId buffer_id_ = kRioInvalidBufferId;
  bool closed_ = false;
};

}  // namespace rbp
