// An arena's memory and the ArrayBuffers through which JS reaches it: who may
// still touch the pages, and so when they may be unmapped.
//
// JS reaches the memory only through ArrayBuffers made here ("views"), one
// current at a time. A view can leave our hands: a BYOB read, or
// ArrayBuffer.prototype.transfer(), detaches it and moves its backing store
// to a new ArrayBuffer, perhaps in another thread. Node calls a view's
// finalizer when that backing store is really freed, or when this
// environment is torn down, whichever comes first; the second says nothing
// about the other thread. Hence the rules:
//   - a view we detach ourselves reaches nothing any more;
//   - a view finalized while the environment lives was really freed;
//   - at teardown, a view nobody else detached dies with the environment,
//     but one detached by someone else ("escaped") may live on elsewhere: its
//     memory is then never unmapped (a bounded leak, one arena per escape).
// This environment lets go of the pages (its reacher in the process-wide
// SharedMapping, which unmaps them after the last) once the arena has let go
// and no view can reach them. Teardown is told by a sentinel: a one-byte external buffer made
// after every view and held strongly, so its finalizer runs only at
// teardown, and (Node cleans such buffers newest first) before the views'
// own, while an escaped view can still be told from one that Node detaches.
//
// Everything here runs on the environment's own thread.
#pragma once

#include <node_api.h>

#include <cstddef>

#include "../core/os_error.h"
#include "../core/shared_mapping.h"

namespace rbp {

struct ArenaView;
struct TeardownSentinel;

class ArenaMemory {
 public:
  // This environment's reach of mapping, whose reacher it takes over.
  ArenaMemory(napi_env env, SharedMapping* mapping);

  // The current view's ArrayBuffer, first made or, if someone else detached
  // the last one, made anew over the same pages. After LetGo(), whatever
  // the arena last had (zero-length once detached).
  napi_status CurrentBuffer(napi_value* result);

  // The arena lets go, once. With detach, its current view is detached
  // first, so that nothing can reach the pages and they are unmapped now
  // (unless a view escaped). Without (finalizers, teardown), they go when the
  // last view does. Deletes this object when nothing needs it any more.
  void LetGo(bool detach);

  char* base() const { return mapping_->base(); }
  size_t size() const { return mapping_->size(); }

 private:
  napi_status NewView(napi_value* result);
  void ViewFinalized(ArenaView* view);
  napi_status NewSentinel();
  void DropSentinel();
  void OnTeardown();
  bool CurrentEscaped();
  void Settle(ArenaView* view);
  void MaybeDropReacher();
  void MaybeDelete();
  static void FinalizeView(napi_env env, void* data, void* hint);
  static void FinalizeSentinel(napi_env env, void* data, void* hint);

  napi_env env_;
  SharedMapping* const mapping_;
  napi_ref current_ = nullptr;  // strong while the arena holds it, weak after
  ArenaView* current_view_ = nullptr;
  int reachable_ = 0;    // views that may still reach the pages
  int unfinalized_ = 0;  // views whose finalizer has not run yet
  TeardownSentinel* sentinel_ = nullptr;
  napi_ref sentinel_ref_ = nullptr;  // strong: only teardown finalizes it
  bool arena_gone_ = false;
  bool env_gone_ = false;
  bool leaked_ = false;  // an escaped view outlived the environment
  bool reacher_dropped_ = false;
};

}  // namespace rbp
