// The provider's sessions: one VimSession per config name, replaced when the config's revision
// changes (the old one is logged out with the call that notices), all logged out at shutdown.
// Calls are stateless across the ABI; this cache is what keeps a vCenter from seeing a Login per
// call.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "plugins/vsphere/vim_session.h"

namespace corral::vsphere {

class SessionCache {
 public:
  // The session for NAME at REVISION, made from CONFIG when there is none or an older one.
  std::shared_ptr<VimSession> session(const std::string& name, uint64_t revision, const VsphereConfig& config,
                                      const HttpSend& send);
  // Logs every session out (shutdown).
  void logout_all(const HttpSend& send);

 private:
  struct Entry {
    uint64_t revision = 0;
    std::shared_ptr<VimSession> session;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace corral::vsphere
