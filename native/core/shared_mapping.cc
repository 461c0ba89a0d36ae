// SharedMapping (shared_mapping.h): the registry of shared mappings, the
// two counts, and the one deregister, unlock and unmap.
#include "shared_mapping.h"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <unordered_map>

#include "platform.h"

namespace rbp {

namespace {

struct Registry {
  std::mutex mu;
  std::unordered_map<std::string, SharedMapping*> by_token;
  uint64_t made = 0;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: threads may outlive static destructors
  return *r;
}

// 128 bits, unguessable enough that a token is a capability: JS that was
// not handed a descriptor cannot name another pool's arena by trying.
// Precondition: registry().mu held (the counter).
std::string new_token(const void* address) {
  // Never destroyed, like the registry: a worker may share() while the main
  // thread runs static destructors at exit.
  static std::random_device& device = *new std::random_device();
  uint64_t words[2];
  words[0] = (static_cast<uint64_t>(device()) << 32) ^ device() ^ reinterpret_cast<uintptr_t>(address);
  words[1] = (static_cast<uint64_t>(device()) << 32) ^ device() ^
             static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
             (++registry().made * 0x9E3779B97F4A7C15ULL);
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(words[0]),
                static_cast<unsigned long long>(words[1]));
  return std::string(text, 32);
}

}  // namespace

SharedMapping::SharedMapping(void* base, size_t size, bool large_pages)
    : base_(base), size_(size), large_pages_(large_pages) {}

OsError SharedMapping::Map(size_t size, bool want_large_pages, SharedMapping** out) {
  void* base = nullptr;
  bool large_pages = false;
  OsError err = memory_map(size, want_large_pages, &base, &large_pages);
  if (!err.failed()) *out = new SharedMapping(base, size, large_pages);
  return err;
}

SharedMapping* SharedMapping::Attach(const std::string& token) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto found = r.by_token.find(token);
  if (found == r.by_token.end()) return nullptr;
  SharedMapping* mapping = found->second;
  // Listed means it has users (the last one unlists it under this lock),
  // and so a reacher: it cannot be deleted before these two are counted.
  mapping->users_.fetch_add(1, std::memory_order_acq_rel);
  mapping->reachers_.fetch_add(1, std::memory_order_acq_rel);
  return mapping;
}

OsError SharedMapping::Lock() {
  OsError err = memory_lock(base_, size_);
  if (!err.failed()) locked_ = true;
  return err;
}

OsError SharedMapping::RegisterRio(RioBufferId* id) {
  OsError err = rio_register(base_, size_, id);
  if (!err.failed()) rio_id_ = *id;
  return err;
}

bool SharedMapping::shared() const {
  std::lock_guard<std::mutex> lock(registry().mu);
  return !token_.empty();
}

std::string SharedMapping::Share(Registration kind, uint64_t custom_id) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (token_.empty()) {
    shared_kind_ = kind;
    shared_id_ = kind == Registration::kRio ? rio_id_ : custom_id;
    token_ = new_token(base_);
    if (!retired_) r.by_token.emplace(token_, this);
  }
  return token_;
}

bool SharedMapping::Retire() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (users_.load(std::memory_order_acquire) != 1) return false;
  if (!retired_ && !token_.empty()) r.by_token.erase(token_);
  retired_ = true;
  return true;
}

void SharedMapping::Relist() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (!retired_) return;
  retired_ = false;
  if (!token_.empty() && users_.load(std::memory_order_acquire) > 0) r.by_token.emplace(token_, this);
}

void SharedMapping::DropUser() {
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    if (users_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    if (!token_.empty() && !retired_) r.by_token.erase(token_);
  }
  // The last user, in whichever thread: nothing can attach any more.
  if (rio_id_ != kRioInvalidBufferId) rio_deregister(rio_id_);
  if (locked_) memory_unlock(base_, size_);
}

void SharedMapping::DropReacher() {
  if (reachers_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  memory_unmap(base_, size_, large_pages_);  // nothing useful to do on failure
  delete this;
}

}  // namespace rbp
