// SIMULATED Registered I/O, test builds only (binding.gyp's simulated_rio=1):
// the books the stand-in provider keeps, and the knobs tests turn. Nothing
// here talks to Winsock; see rio_simulated.cc.
#pragma once

#include <cstdint>

#include "../core/rio.h"

namespace rbp {
namespace simulated_rio {

struct Counters {
  uint64_t loads = 0;              // rio_provider_load calls
  uint64_t unloads = 0;            // provider unload calls
  uint64_t registered = 0;         // successful registrations, ever
  uint64_t deregistered = 0;       // successful deregistrations, ever
  uint64_t deregister_errors = 0;  // deregistrations of an id that was not live
  uint64_t live = 0;               // registered and not yet deregistered
};

Counters counters();

bool is_registered(RioBufferId id);

// The next registration that passes the argument checks fails with this
// Winsock/Windows error instead (one shot); 0 cancels.
void fail_next_register(int winerror);

}  // namespace simulated_rio
}  // namespace rbp
