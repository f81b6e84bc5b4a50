// corral-manager: keeps a fleet of session hosts ready. See docs/operations.md.
#include <cstdio>
#include <cstring>
#include <string>

#include "common/config/yaml_loader.h"
#include "common/log.h"
#include "manager/manager.h"

namespace {

constexpr char kUsage[] =
    "usage: corral-manager --data-dir DIR [--config FILE] [--api-listen ADDR:PORT] [--agent-listen ADDR:PORT]\n"
    "                      [--log-level debug|info|warn|error]\n"
    "       corral-manager --version\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "corral-manager: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace corral;
  std::string data_dir, config_file, api_listen, agent_listen, log_level;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--version") {
      std::printf("corral-manager %s\n", CORRAL_VERSION);
      return 0;
    } else if (arg == "--data-dir") {
      if (!value(&data_dir)) return usage_error("--data-dir needs a directory");
    } else if (arg == "--config") {
      if (!value(&config_file)) return usage_error("--config needs a file");
    } else if (arg == "--api-listen") {
      if (!value(&api_listen)) return usage_error("--api-listen needs ADDR:PORT");
    } else if (arg == "--agent-listen") {
      if (!value(&agent_listen)) return usage_error("--agent-listen needs ADDR:PORT");
    } else if (arg == "--log-level") {
      if (!value(&log_level)) return usage_error("--log-level needs a level");
    } else {
      return usage_error("unknown argument '" + arg + "'");
    }
  }
  if (data_dir.empty()) return usage_error("--data-dir is required");

  log::set_component("manager");
  corral::config::v1::ManagerConfig config;
  if (!config_file.empty()) {
    if (Status s = config::load_yaml_file(config_file, &config); !s.ok()) {
      std::fprintf(stderr, "corral-manager: %s\n", s.message().c_str());
      return 1;
    }
  }
  if (!api_listen.empty()) config.set_api_listen(api_listen);
  if (!agent_listen.empty()) config.set_agent_listen(agent_listen);
  if (!log_level.empty()) config.set_log_level(log_level);
  if (Status s = manager::apply_config_defaults(&config); !s.ok()) {
    std::fprintf(stderr, "corral-manager: %s\n", s.message().c_str());
    return 1;
  }
  log::Level level;
  log::parse_level(config.log_level(), &level);
  log::set_level(level);

  auto manager = manager::Manager::create(data_dir, config);
  if (!manager.ok()) {
    log::error("manager.start_failed", {{"error", manager.status().to_string()}});
    return 1;
  }
  if (Status s = (*manager)->run(); !s.ok()) {
    log::error("manager.start_failed", {{"error", s.to_string()}});
    return 1;
  }
  return 0;
}
