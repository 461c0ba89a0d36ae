// Provider-independent RIO: load once, check the sentinel, balance loads.
#include "rio.h"

#include <mutex>

namespace rbp {

namespace {

constexpr int kWsaEinval = 10022;

struct RioState {
  std::mutex mu;
  bool attempted = false;
  OsError load_error;
  RioProvider provider{};
  int envs = 0;
  // Registrations not yet deregistered: the table (and WSAStartup) must
  // outlive them, even past the last environment's cleanup at exit.
  long live = 0;
};

RioState& state() {
  static RioState* s = new RioState();  // never destroyed: outlives every env
  return *s;
}

// Returns a copy so no call into the provider happens under the lock.
OsError loaded_provider(RioProvider* out) {
  RioState& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.attempted) {
    s.attempted = true;
    s.load_error = rio_provider_load(&s.provider);
  }
  *out = s.provider;
  return s.load_error;
}

}  // namespace

OsError rio_probe() {
  RioProvider provider;
  return loaded_provider(&provider);
}

OsError rio_register(void* data, size_t length, RioBufferId* id) {
  RioProvider provider;
  OsError err = loaded_provider(&provider);
  if (err.failed()) return err;
  if (length == 0 || length > UINT32_MAX) return OsError::from_windows(kWsaEinval, "RIORegisterBuffer");
  RioBufferId got = provider.register_buffer(static_cast<char*>(data), static_cast<uint32_t>(length));
  if (got == kRioInvalidBufferId) {
    int number = provider.last_error();
    return OsError::from_windows(number != 0 ? number : kWsaEinval, "RIORegisterBuffer");
  }
  *id = got;
  RioState& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.live++;
  return {};
}

namespace {

// Precondition: s.mu held.
void unload_if_unused(RioState& s) {
  if (s.envs > 0 || s.live > 0 || !s.attempted) return;
  if (!s.load_error.failed() && s.provider.unload) s.provider.unload();
  s.attempted = false;  // a later environment loads afresh
  s.load_error = OsError{};
  s.provider = RioProvider{};
}

}  // namespace

void rio_deregister(RioBufferId id) {
  RioProvider provider;
  if (loaded_provider(&provider).failed()) return;
  provider.deregister_buffer(id);
  RioState& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.live--;
  unload_if_unused(s);
}

void rio_env_attach() {
  RioState& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.envs++;
}

void rio_env_detach() {
  RioState& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.envs--;
  unload_if_unused(s);
}

}  // namespace rbp
