// One logged-in vim25 session with a vCenter, for one provider config revision: the service
// content (RetrieveServiceContent), the session cookie (Login), and call(), which sends a method
// with the cookie and logs in again once when vCenter says NotAuthenticated (an expired or
// terminated session). The provider keeps one per config name and revision and logs it out when
// the revision changes and at shutdown.
//
// Thread-safe: calls of one config run concurrently; the cookie is read and replaced under a
// mutex, and a re-login races harmlessly (the last cookie wins, both are valid).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "corral/sdk/host.h"
#include "plugins/vsphere/soap.h"
#include "plugins/vsphere/vsphere_config.h"

namespace corral::vsphere {

// How the plugin reaches the network: the host HTTP service of the current call (sdk::Call::http)
// in the plugin, a real HTTP client against vcsim in tests.
using HttpSend = std::function<sdk::HttpResult(const sdk::pv1::HttpRequest&)>;

// The managed objects of RetrieveServiceContent this plugin uses.
struct ServiceContent {
  MoRef property_collector;
  MoRef session_manager;
  MoRef search_index;
  MoRef view_manager;
  MoRef customization_spec_manager;
  MoRef root_folder;
  std::string api_version;
};

class VimSession {
 public:
  explicit VimSession(VsphereConfig config) : config_(std::move(config)) {}

  const VsphereConfig& config() const { return config_; }

  // Sends BODY (one method element) and returns its response element; logs in first when there
  // is no session, and once more on NotAuthenticated. A fault becomes a VsphereError of its class.
  // TIMEOUT_MS bounds the HTTP attempt (0: the host's default), for methods vCenter answers only
  // after a wait of their own (WaitForUpdatesEx).
  Outcome<SoapAnswer> call(const HttpSend& send, std::string_view body, int64_t timeout_ms = 0);
  // The service content (logs in when needed).
  Outcome<ServiceContent> content(const HttpSend& send);
  // Ends the session on the vCenter (best effort) and forgets it.
  void logout(const HttpSend& send);
  // Whether a login has succeeded and not been logged out (for tests).
  bool logged_in() const;

 private:
  // One POST of BODY with COOKIE; faults and HTTP failures already mapped.
  Outcome<SoapAnswer> post(const HttpSend& send, std::string_view body, const std::string& cookie, bool secret_body,
                           std::string* set_cookie, int64_t timeout_ms = 0) const;
  Outcome<std::string> login(const HttpSend& send);

  const VsphereConfig config_;
  mutable std::mutex mu_;
  std::string cookie_;  // "vmware_soap_session=..."; empty: not logged in
  ServiceContent content_;
};

// Whether a RetrievePropertiesEx answer is vcsim's way of saying NotAuthenticated: every property
// missing with that fault instead of a SOAP fault.
bool missing_for_lack_of_session(pugi::xml_node response);

}  // namespace corral::vsphere
