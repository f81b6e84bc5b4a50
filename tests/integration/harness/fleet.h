// Real corral-manager and corral-agent processes on loopback for integration tests: each manager
// gets its own data directory and binds port 0 (the ports are read from its manager.listening
// log line); helpers call its REST API over verified TLS with the admin token it wrote at first
// start.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/http/client.h"
#include "common/result.h"
#include "tests/integration/harness/process.h"

namespace corral::testing {

// Paths of the binaries under test (set by CMake).
std::string manager_binary();
std::string agent_binary();
std::string corralctl_binary();

class ManagerUnderTest {
 public:
  // CONFIG_YAML is written to DATA_DIR/../manager.yaml and passed with --config when not empty.
  explicit ManagerUnderTest(std::string work_dir, std::string config_yaml = "");

  // Starts the process, reads the ports it reports and waits until /healthz answers. False (with
  // the log printed by the caller) if it does not come up. A second start keeps the agent port
  // (agents were given it) and gets a new API port.
  bool start();
  std::optional<int> stop() { return process_.stop(); }
  bool restart();
  // Environment added to the process from the next start on (failpoints: common/failpoint.h).
  void set_env(std::map<std::string, std::string> env) { env_ = std::move(env); }
  // Later starts ask for the API port of the first too: VMs were given the manager's URL.
  void keep_api_port() { keep_api_port_ = true; }

  Process& process() { return process_; }
  const std::string& data_dir() const { return data_dir_; }
  int api_port() const { return api_port_; }
  int agent_port() const { return agent_port_; }
  std::string api_url() const { return "https://127.0.0.1:" + std::to_string(api_port_); }
  std::string admin_token() const;
  std::string ca_pem() const;

  // Calls the REST API (admin token attached when AUTH).
  Result<http::Response> call(const std::string& method, const std::string& path, const std::string& body = "",
                              bool auth = true) const;
  // POST /api/v1/join-tokens with BODY_JSON; returns the token string.
  std::string create_join_token(const std::string& body_json = "{}") const;
  // GET /api/v1/agents/{id}: the agent's status enum name, or "" if the call failed.
  std::string agent_status(const std::string& agent_id) const;

 private:
  std::string work_dir_;
  std::string data_dir_;
  std::string config_path_;
  int api_port_ = 0;  // 0 until the first start reports the bound ports
  int agent_port_ = 0;
  Process process_;
  std::map<std::string, std::string> env_;
  bool keep_api_port_ = false;
};

// Starts corral-agent with its own data dir under WORK_DIR/NAME; TOKEN empty for a restart.
Process start_agent(const ManagerUnderTest& manager, const std::string& work_dir, const std::string& name,
                    const std::string& token, const std::vector<std::string>& extra_args = {});

// Agent id recorded in the agent's log at welcome, or "".
std::string agent_id_from_log(const Process& agent);

// Value of "key" in a flat JSON object (strings only; for test assertions).
std::string json_string_field(const std::string& json, const std::string& key);

}  // namespace corral::testing
