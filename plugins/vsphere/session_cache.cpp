#include "plugins/vsphere/session_cache.h"

namespace corral::vsphere {

std::shared_ptr<VimSession> SessionCache::session(const std::string& name, uint64_t revision,
                                                  const VsphereConfig& config, const HttpSend& send) {
  std::shared_ptr<VimSession> stale;
  std::shared_ptr<VimSession> current;
  {
    std::lock_guard lock(mu_);
    Entry& e = entries_[name];
    if (!e.session || e.revision != revision) {
      stale = std::move(e.session);
      e.revision = revision;
      e.session = std::make_shared<VimSession>(config);
    }
    current = e.session;
  }
  // Outside the lock: a logout is a round trip. Calls still using the stale session keep it
  // alive and log in again if they need to; the next one replaces nothing.
  if (stale) stale->logout(send);
  return current;
}

void SessionCache::logout_all(const HttpSend& send) {
  std::map<std::string, Entry> entries;
  {
    std::lock_guard lock(mu_);
    entries.swap(entries_);
  }
  for (auto& [name, e] : entries) e.session->logout(send);
}

}  // namespace corral::vsphere
