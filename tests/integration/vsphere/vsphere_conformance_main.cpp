// The provider conformance kit against corral-provider-vsphere and govmomi's vCenter simulator.
// The kit's harness has no HTTP of its own (the manager's client is not part of the SDK), so this
// runner hands it the manager's host HTTP client, as corral-manager does for a loaded plugin.
#include <gtest/gtest.h>

#include <exception>
#include <iostream>
#include <nlohmann/json.hpp>

#include "corral/sdk/testing/conformance.h"
#include "manager/providers/host_http.h"
#include "tests/integration/vsphere/vcsim_peer.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  using corral::manager::providers::HostHttpClient;
  namespace vst = corral::vsphere::testing;
  try {
    vst::VcsimPeer peer;
    auto client = HostHttpClient::create(corral::manager::providers::HostHttpSettings{});
    if (!client.ok()) throw std::runtime_error(client.status().to_string());
    HostHttpClient http = std::move(client).value();

    nlohmann::json config = {{"url", peer.url()},
                             {"user", vst::kVcsimUser},
                             {"password", vst::kVcsimPassword},
                             {"tls", {{"thumbprint_sha256", peer.thumbprint()}}},
                             {"datacenter", "DC0"},
                             {"templates", {{"linux", "vm/Corral Templates/ubuntu 22.04"}}},
                             {"folder", "vm/Corral Pools/linux runners"},
                             {"resource_pool", "host/DC0_C0/Resources"}};
    nlohmann::json invalid = config;
    invalid["url"] = "http://" + peer.url().substr(8);  // vCenter is only spoken to over TLS

    corral::sdk::testing::ConformanceOptions options;
    options.plugin_path = CORRAL_VSPHERE_PLUGIN;
    options.config_json = config.dump();
    options.invalid_config_json = invalid.dump();
    options.invalid_config_path = "/url";
    options.ready_timeout = std::chrono::seconds(60);
    corral::sdk::testing::register_conformance_tests(options);
    corral::sdk::testing::detail::suite().plugin->set_http_handler([&http](const corral::provider::v1::HttpRequest& r) {
      auto result = http.perform(r, HostHttpClient::monotonic_now_ms() + 60'000, nullptr, "vsphere");
      if (!result.ok()) {
        corral::provider::v1::HttpResponse failed;
        failed.set_transport_error(result.message);
        return failed;
      }
      return result.response;
    });
    int rc = RUN_ALL_TESTS();
    // The plugin logs out at shutdown, while the simulator still runs.
    corral::sdk::testing::detail::suite().plugin.reset();
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "vsphere conformance: " << e.what() << "\n";
    return 1;
  }
}
