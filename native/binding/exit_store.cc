// ExitStore (exit_store.h): one sequentially consistent 32-bit store, made
// at teardown, then the pages' hold given back.
#include "exit_store.h"

#include <atomic>

#include "../core/shared_mapping.h"

namespace rbp {

static_assert(sizeof(std::atomic<int32_t>) == sizeof(int32_t) && std::atomic<int32_t>::is_always_lock_free,
              "an exit store is one lock-free word, as JS Atomics see it");

ExitStore* ExitStore::Arm(napi_env env, SharedMapping* mapping, size_t offset, int32_t value) {
  auto* store = new ExitStore(env, mapping, offset, value);
  if (napi_add_env_cleanup_hook(env, Run, store) != napi_ok) {
    delete store;
    return nullptr;
  }
  mapping->AddReacher();
  return store;
}

void ExitStore::Cancel() {
  napi_remove_env_cleanup_hook(env_, Run, this);
  mapping_->DropReacher();
  delete this;
}

void ExitStore::Run(void* arg) {
  auto* store = static_cast<ExitStore*>(arg);
  // Atomics in JS are sequentially consistent word accesses: this is one.
  reinterpret_cast<std::atomic<int32_t>*>(store->mapping_->base() + store->offset_)
      ->store(store->value_, std::memory_order_seq_cst);
  store->mapping_->DropReacher();
  delete store;
}

}  // namespace rbp
