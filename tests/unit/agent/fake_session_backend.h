// A session backend in memory for tests of the agent's logic: prepare and logoff change a map,
// detect() plays a session appearing on the host by itself and calls the watcher as a detecting
// backend would, from the caller's thread.
#pragma once

#include <map>
#include <mutex>

#include "agent/sessions/session_backend.h"

namespace corral::agent::testing {

class FakeSessionBackend final : public sessions::SessionBackend {
 public:
  corral::agent::v1::BackendKind kind() const override { return corral::agent::v1::BACKEND_KIND_XRDP; }

  std::vector<corral::agent::v1::Session> list() const override {
    std::lock_guard lock(mu_);
    std::vector<corral::agent::v1::Session> out;
    for (const auto& [id, s] : sessions_) out.push_back(s);
    return out;
  }

  Result<sessions::PrepareOutcome> prepare(const corral::agent::v1::PrepareSession& request) override {
    std::lock_guard lock(mu_);
    if (auto it = sessions_.find(request.session_id()); it != sessions_.end()) {
      if (it->second.user() != request.user()) return error(ErrorCode::already_exists, "another user");
      return sessions::PrepareOutcome::already_prepared;
    }
    auto& s = sessions_[request.session_id()];
    s.set_id(request.session_id());
    s.set_user(request.user());
    s.set_state(corral::agent::v1::SESSION_STATE_ACTIVE);
    return sessions::PrepareOutcome::prepared;
  }

  Status logoff(const std::string& session_id) override {
    std::lock_guard lock(mu_);
    if (sessions_.erase(session_id) == 0) return error(ErrorCode::not_found, "no session " + session_id);
    return {};
  }

  void watch(sessions::SessionsChanged changed) override {
    std::lock_guard lock(mu_);
    changed_ = std::move(changed);
  }

  // A session the backend found on the host by itself.
  void detect(const std::string& id, const std::string& user) {
    std::lock_guard lock(mu_);  // held while calling: watch() must not return while a call runs
    auto& s = sessions_[id];
    s.set_id(id);
    s.set_user(user);
    s.set_state(corral::agent::v1::SESSION_STATE_ACTIVE);
    if (changed_) changed_();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, corral::agent::v1::Session> sessions_;
  sessions::SessionsChanged changed_;
};

}  // namespace corral::agent::testing
