// Test support for the AWS plugin's integration tests: runs the loopback EC2 endpoint
// (tests/unit/plugins/aws/ec2_server.py: SigV4 checked with botocore, every parameter checked
// against botocore's EC2 model), reads its statistics, injects its faults, and writes provider
// configs that point at it.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "manager/providers/host_http.h"
#include "tests/peers/loopback_server.h"

namespace corral::aws::itest {

inline constexpr const char* kRegion = "eu-west-1";
inline constexpr const char* kAccessKey = "AKIAIOSFODNN7EXAMPLE";
inline constexpr const char* kSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
inline constexpr const char* kLinuxImage = "ami-0123456789abcdef0";    // root /dev/xvda
inline constexpr const char* kWindowsImage = "ami-0fedcba9876543210";  // root /dev/sda1, platform windows
inline constexpr const char* kSubnet = "subnet-0123456789abcdef0";
inline constexpr const char* kSecurityGroup = "sg-0123456789abcdef0";

class Ec2Endpoint {
 public:
  explicit Ec2Endpoint(std::vector<std::string> extra_args = {})
      : server_(CORRAL_AWS_TEST_DIR "/ec2_server.py", args(std::move(extra_args))) {
    auto client = manager::providers::HostHttpClient::create({});
    if (!client.ok()) throw std::runtime_error(client.status().message());
    control_ = std::make_unique<manager::providers::HostHttpClient>(std::move(client).value());
  }

  std::string url() const { return server_.url(); }

  // /_test/stats: requests per action, model_failures, signature_failures, instances...
  nlohmann::json stats() const { return nlohmann::json::parse(send("GET", "/_test/stats", "")); }

  // Faults for the next matching requests (ec2_server.py's docstring).
  void fault(const nlohmann::json& faults) const { send("POST", "/_test/faults", faults.dump()); }

  // Moves an instance to STATE as EC2 would on its own (a stop from inside, an interruption).
  void set_state(const std::string& id, const std::string& state, const std::string& reason) const {
    send("POST", "/_test/state/" + id, nlohmann::json{{"state", state}, {"reason", {reason, reason}}}.dump());
  }

  int requests(const std::string& action) const { return stats()["requests"].value(action, 0); }

  // A config the plugin accepts, pointing at this endpoint with static keys; EXTRA is merged in.
  std::string config_json(const nlohmann::json& extra = nlohmann::json::object()) const {
    nlohmann::json j = {{"region", kRegion},           {"endpoint_url", url()},
                        {"access_key_id", kAccessKey}, {"secret_access_key", kSecretKey},
                        {"image_id", kLinuxImage},     {"instance_type", "t3.micro"}};
    j.update(extra);
    return j.dump();
  }

  // No request the plugin sent was refused by the model or the signature check.
  void expect_clean(bool signatures_too = true) const {
    nlohmann::json s = stats();
    EXPECT_TRUE(s["model_failures"].empty()) << "requests botocore's EC2 model refuses: " << s["model_failures"];
    if (signatures_too) {
      EXPECT_TRUE(s["signature_failures"].empty()) << "bad signatures: " << s["signature_failures"];
    }
  }

 private:
  static std::vector<std::string> args(std::vector<std::string> extra) {
    std::vector<std::string> a = {"--access-key", kAccessKey, "--secret-key", kSecretKey, "--region", kRegion};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  std::string send(const std::string& method, const std::string& path, const std::string& body) const {
    provider::v1::HttpRequest r;
    r.set_method(method);
    r.set_url(url() + path);
    r.set_body(body);
    auto res = control_->perform(r, 0, nullptr, "test");
    if (!res.ok() || res.response.status() != 200) {
      throw std::runtime_error("ec2_server.py " + path + ": " + res.message + res.response.transport_error());
    }
    return res.response.body();
  }

  corral::testing::LoopbackServer server_;
  std::unique_ptr<manager::providers::HostHttpClient> control_;
};

}  // namespace corral::aws::itest
