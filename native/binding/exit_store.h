// A store into an arena that runs when this thread's environment is torn
// down (a worker's exit or terminate(), the main thread's exit), after its
// JS has stopped: how other threads sharing the memory learn, from the
// memory itself, that this one is gone. JS cannot do it: terminate() stops
// JS between any two statements.
//
// Each store holds a reacher of the mapping, so the pages stay mapped until
// it has run or been cancelled, whatever became of the arena object. It
// runs from an environment cleanup hook (Node runs them after the thread's
// JS, before it frees the environment); close() on its arena cancels it.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace rbp {

class SharedMapping;

class ExitStore {
 public:
  // Arms a store of value at byte offset of mapping (aligned to 4, inside
  // it); takes a reacher. Null when the hook cannot be added.
  static ExitStore* Arm(napi_env env, SharedMapping* mapping, size_t offset, int32_t value);
  // Disarms and deletes, not storing.
  void Cancel();

 private:
  ExitStore(napi_env env, SharedMapping* mapping, size_t offset, int32_t value)
      : env_(env), mapping_(mapping), offset_(offset), value_(value) {}
  static void Run(void* arg);

  napi_env env_;
  SharedMapping* mapping_;
  size_t offset_;
  int32_t value_;
};

}  // namespace rbp
