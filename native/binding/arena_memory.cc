// ArenaMemory (arena_memory.h): the count of views that can still reach the
// pages, the teardown sentinel, and this environment's one letting go of
// them (SharedMapping unmaps after the last). External buffers are made
// through build_variant.h.
#include "arena_memory.h"

#include "build_variant.h"

namespace rbp {

struct ArenaView {
  ArenaMemory* memory;
  bool escaped = false;  // detached by someone else: its backing store lives on
  bool settled = false;  // can no longer reach the pages
};

struct TeardownSentinel {
  ArenaMemory* memory;  // null once retired: its finalizer then means nothing
  char byte = 0;        // what its buffer spans
};

ArenaMemory::ArenaMemory(napi_env env, SharedMapping* mapping) : env_(env), mapping_(mapping) {}

napi_status ArenaMemory::NewView(napi_value* result) {
  auto* view = new ArenaView{this};
  // Counted first: Node may run the finalizer inside the call when it fails.
  reachable_++;
  unfinalized_++;
  napi_value buffer = nullptr;
  napi_status status = create_external_buffer(env_, mapping_->size(), mapping_->base(), FinalizeView, view, &buffer);
  if (status != napi_ok) {
    // These two are answered before anything is made; after any other
    // failure a finalizer may still come, so the view stays counted.
    if (buffer == nullptr && (status == napi_pending_exception || status == napi_no_external_buffers_allowed)) {
      reachable_--;
      unfinalized_--;
      delete view;
    }
    return status;
  }
  napi_value array_buffer;
  status = napi_get_typedarray_info(env_, buffer, nullptr, nullptr, nullptr, &array_buffer, nullptr);
  if (status != napi_ok) return status;

  napi_ref ref;
  status = napi_create_reference(env_, array_buffer, 1, &ref);
  if (status != napi_ok) return status;
  const bool first = current_ == nullptr;
  if (current_ != nullptr) napi_delete_reference(env_, current_);
  current_ = ref;
  current_view_ = view;

  status = NewSentinel();
  if (status != napi_ok && first) {
    // Without a sentinel this memory would never be unmapped (a worker being
    // terminated refuses new buffers). The first view has not reached JS:
    // detached now, it reaches nothing, and the arena is refused instead.
    // (Bun finalizes the view inside the detach: current_view_ is then null.)
    if (napi_detach_arraybuffer(env_, array_buffer) == napi_ok) {
      if (current_view_ != nullptr) Settle(current_view_);
      leaked_ = false;  // set by NewSentinel() for this view alone
    }
    return status;
  }
  *result = array_buffer;
  return napi_ok;
}

napi_status ArenaMemory::CurrentBuffer(napi_value* result) {
  if (current_ == nullptr) return NewView(result);
  napi_status status = napi_get_reference_value(env_, current_, result);
  if (status != napi_ok || *result == nullptr || arena_gone_) return status;
  bool detached = false;
  status = napi_is_detached_arraybuffer(env_, *result, &detached);
  if (status != napi_ok || !detached) return status;
  // We detach only in LetGo(): someone else took this one away (unless its
  // backing store is already gone, finalized).
  if (current_view_ != nullptr) current_view_->escaped = true;
  return NewView(result);
}

void ArenaMemory::LetGo(bool detach) {
  if (arena_gone_) return;
  arena_gone_ = true;
  // Bun runs an external buffer's finalizer inside napi_detach_arraybuffer
  // (Node, when the backing store is freed): ViewFinalized() may then come
  // before the detach returns, and must not delete this object under us.
  unfinalized_++;
  if (current_ != nullptr && !env_gone_) {
    napi_value array_buffer = nullptr;
    bool detached = false;
    if (detach && napi_get_reference_value(env_, current_, &array_buffer) == napi_ok && array_buffer != nullptr &&
        napi_is_detached_arraybuffer(env_, array_buffer, &detached) == napi_ok) {
      if (detached) {
        if (current_view_ != nullptr) current_view_->escaped = true;
      } else if (napi_detach_arraybuffer(env_, array_buffer) == napi_ok && current_view_ != nullptr) {
        Settle(current_view_);
      }
    }
    // Weak from now on: views may keep the ArrayBuffer, the arena does not.
    uint32_t count = 0;
    napi_reference_unref(env_, current_, &count);
  }
  unfinalized_--;
  MaybeDropReacher();
  MaybeDelete();
}

napi_status ArenaMemory::NewSentinel() {
  DropSentinel();
  auto* sentinel = new TeardownSentinel{this};
  napi_value buffer = nullptr;
  napi_status status = create_external_buffer(env_, 1, &sentinel->byte, FinalizeSentinel, sentinel, &buffer);
  if (status == napi_ok) status = napi_create_reference(env_, buffer, 1, &sentinel_ref_);
  if (status == napi_ok) {
    sentinel_ = sentinel;
    return napi_ok;
  }
  // Without a sentinel an escape could go unseen at teardown: never unmap.
  leaked_ = true;
  sentinel->memory = nullptr;
  if (buffer == nullptr && status == napi_pending_exception) delete sentinel;  // nothing was made
  return status;
}

void ArenaMemory::DropSentinel() {
  if (sentinel_ == nullptr) return;
  sentinel_->memory = nullptr;  // its finalizer, after we let go, is no teardown
  napi_delete_reference(env_, sentinel_ref_);
  sentinel_ = nullptr;
  sentinel_ref_ = nullptr;
}

void ArenaMemory::Settle(ArenaView* view) {
  if (view->settled) return;
  view->settled = true;
  reachable_--;
}

void ArenaMemory::ViewFinalized(ArenaView* view) {
  if (!view->settled) {
    if (env_gone_ && view->escaped) {
      leaked_ = true;  // it may live on in another thread
    } else {
      Settle(view);
    }
  }
  if (view == current_view_) current_view_ = nullptr;
  delete view;
  unfinalized_--;
  MaybeDropReacher();
  MaybeDelete();
}

bool ArenaMemory::CurrentEscaped() {
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) != napi_ok) return true;
  napi_value array_buffer = nullptr;
  bool detached = true;
  // A weak reference that is empty says nothing: assume the worst.
  if (napi_get_reference_value(env_, current_, &array_buffer) != napi_ok || array_buffer == nullptr ||
      napi_is_detached_arraybuffer(env_, array_buffer, &detached) != napi_ok) {
    detached = true;
  }
  napi_close_handle_scope(env_, scope);
  return detached;
}

void ArenaMemory::OnTeardown() {
  if (current_view_ != nullptr && !current_view_->settled && CurrentEscaped()) current_view_->escaped = true;
  env_gone_ = true;  // from here on no napi call, and finalizers are not frees
  sentinel_ = nullptr;
  sentinel_ref_ = nullptr;  // the environment deletes it
}

void ArenaMemory::MaybeDropReacher() {
  if (reacher_dropped_ || !arena_gone_ || reachable_ > 0 || leaked_) return;
  reacher_dropped_ = true;
  mapping_->DropReacher();  // unmaps after the process's last
}

void ArenaMemory::MaybeDelete() {
  if (!arena_gone_ || unfinalized_ > 0) return;
  if (!env_gone_) {
    DropSentinel();
    if (current_ != nullptr) napi_delete_reference(env_, current_);
  }
  delete this;
}

void ArenaMemory::FinalizeView(napi_env /*env*/, void* /*data*/, void* hint) {
  auto* view = static_cast<ArenaView*>(hint);
  view->memory->ViewFinalized(view);
}

void ArenaMemory::FinalizeSentinel(napi_env /*env*/, void* /*data*/, void* hint) {
  auto* sentinel = static_cast<TeardownSentinel*>(hint);
  if (sentinel->memory != nullptr) sentinel->memory->OnTeardown();
  delete sentinel;
}

}  // namespace rbp
