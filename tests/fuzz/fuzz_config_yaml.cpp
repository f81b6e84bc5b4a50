// Fuzzes the YAML config loader with the manager's and the agent's config messages: no input may
// crash it, hang it or leak an exception, an error is always invalid_argument with a message, and
// a failed load leaves the message as it was.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/config/yaml_loader.h"
#include "corral/config/v1/config.pb.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

template <typename Config>
void load_into(std::string_view text, Config* config) {
  const std::string before = config->SerializeAsString();
  corral::Status status = corral::config::load_yaml(text, config);
  if (status.ok()) return;
  FUZZ_CHECK(status.code() == corral::ErrorCode::invalid_argument);
  FUZZ_CHECK(!status.message().empty());
  FUZZ_CHECK(config->SerializeAsString() == before);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  corral::config::v1::ManagerConfig manager;
  manager.set_api_listen("127.0.0.1:8443");
  manager.add_server_names("default");
  load_into(text, &manager);
  corral::config::v1::AgentConfig agent;
  (*agent.mutable_labels())["default"] = "yes";
  load_into(text, &agent);
  return 0;
}
