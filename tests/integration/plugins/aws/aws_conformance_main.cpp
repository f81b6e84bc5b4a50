// The provider conformance kit (sdk/include/corral/sdk/testing/conformance.h) against the AWS
// plugin and the loopback EC2 endpoint. The kit's harness has no HTTP service of its own, so its
// http_request is served by the manager's real host HTTP client. The kit loads plugins in-process
// only; the isolated run is ec2_isolated_test.cpp.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "corral/sdk/testing/conformance.h"
#include "manager/providers/host_http.h"
#include "tests/integration/plugins/aws/ec2_endpoint.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  using corral::aws::itest::Ec2Endpoint;
  using corral::manager::providers::HostHttpClient;
  std::unique_ptr<Ec2Endpoint> ec2;
  std::shared_ptr<HostHttpClient> http;
  try {
    ec2 = std::make_unique<Ec2Endpoint>();
    auto client = HostHttpClient::create({});
    if (!client.ok()) throw std::runtime_error(client.status().message());
    http = std::make_shared<HostHttpClient>(std::move(client).value());

    corral::sdk::testing::ConformanceOptions o;
    o.plugin_path = CORRAL_AWS_PLUGIN;
    o.config_json = ec2->config_json();
    o.invalid_config_json = ec2->config_json({{"region", "Europe (Ireland)"}});
    o.invalid_config_path = "/region";
    o.poll_interval = std::chrono::milliseconds(1);  // the endpoint moves instances on per request, not per second
    o.ready_timeout = std::chrono::seconds(60);
    corral::sdk::testing::register_conformance_tests(o);
    // The kit exposes its harness only through detail::suite(); this is where a test serves HTTP.
    corral::sdk::testing::detail::suite().plugin->set_http_handler([http](const corral::provider::v1::HttpRequest& r) {
      auto result = http->perform(r, HostHttpClient::monotonic_now_ms() + 60'000, nullptr, "aws");
      corral::provider::v1::HttpResponse response = result.response;
      if (!result.ok()) response.set_transport_error(result.message);
      return response;
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aws conformance: %s\n", e.what());
    return 1;
  }
  int rc = RUN_ALL_TESTS();
  ec2->expect_clean();
  return rc == 0 && !::testing::Test::HasFailure() ? rc : 1;
}
