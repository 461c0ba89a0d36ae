// One arena's memory as the whole process sees it: its pages, its lock and
// its RIO registration, shared by every thread that holds an arena over it
// and given back once.
//
// Two process-wide counts:
//   users     open arenas over the mapping, in any thread. The RIO
//             registration and the lock go when the last one closes or is
//             finalized, so I/O in any thread can go on until then;
//   reachers  per-thread memory objects (ArenaMemory) that may still reach
//             the pages through a view. The pages are unmapped, and this
//             object deleted, when the last one lets go.
// A thread drops its user before its reacher, so the last reacher goes
// after the last user: the pages outlive their registration.
//
// Another thread finds a mapping by its token (Share()) while it has users:
// attaching and dropping the last user both run under the registry's lock,
// so no attach can race the last close. No OS or JS call runs under it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "os_error.h"
#include "rio.h"

namespace rbp {

// How the arena was registered, as its creator tells Share(): an attached
// arena reports the same, read from here rather than from a descriptor that
// JS could forge.
enum class Registration : int { kNone = 0, kRio = 1, kCustom = 2 };

class SharedMapping {
 public:
  // Maps size bytes (see memory_map); *out has one user and one reacher.
  static OsError Map(size_t size, bool want_large_pages, SharedMapping** out);

  // The mapping named by token, with a user and a reacher added for the
  // caller; null when there is none, or it has no users left.
  static SharedMapping* Attach(const std::string& token);

  // Pins the pages until the last user goes. Precondition: not yet locked.
  OsError Lock();
  // Registers with RIO until the last user goes. Precondition: not yet
  // registered, and not shared (only the creator's thread can reach it).
  OsError RegisterRio(RioBufferId* id);
  // Whether Share() made a token (other threads may hold this mapping).
  bool shared() const;

  // The token other threads attach with, made on the first call, which also
  // records how the creator registered the arena (later calls keep that).
  std::string Share(Registration kind, uint64_t custom_id);

  // For a creator about to give back a registration of its own (a JS
  // Registrar's) before its close: when it is the only user, unlists the
  // token, so that no thread can attach from now on (Share() no longer
  // lists one either), and gives true; false while others are attached.
  bool Retire();
  // Undoes Retire() (the give-back failed and the arena stays open).
  void Relist();

  void DropUser();
  // Another reacher, for something that holds the pages without a view (an
  // exit store). Precondition: the caller holds a user or reacher already.
  void AddReacher() { reachers_.fetch_add(1, std::memory_order_acq_rel); }
  void DropReacher();

  char* base() const { return static_cast<char*>(base_); }
  size_t size() const { return size_; }
  bool large_pages() const { return large_pages_; }
  bool rio_registered() const { return rio_id_ != kRioInvalidBufferId; }
  RioBufferId rio_id() const { return rio_id_; }
  Registration shared_kind() const { return shared_kind_; }
  uint64_t shared_id() const { return shared_id_; }
  int users() const { return users_.load(std::memory_order_acquire); }

 private:
  SharedMapping(void* base, size_t size, bool large_pages);

  void* const base_;
  const size_t size_;
  const bool large_pages_;
  // Set by the creator before Share() lists the mapping, read-only after.
  bool locked_ = false;
  RioBufferId rio_id_ = kRioInvalidBufferId;
  Registration shared_kind_ = Registration::kNone;
  uint64_t shared_id_ = 0;
  std::string token_;           // empty until shared; guarded by the registry's lock
  bool retired_ = false;        // token_ unlisted by Retire(); guarded by the registry's lock
  std::atomic<int> users_{1};   // changed under the registry's lock
  std::atomic<int> reachers_{1};
};

}  // namespace rbp
