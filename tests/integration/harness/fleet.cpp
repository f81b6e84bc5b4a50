#include "tests/integration/harness/fleet.h"

#include <filesystem>
#include <fstream>
#include <regex>

#include "common/files.h"

namespace corral::testing {

std::string manager_binary() { return CORRAL_MANAGER_BIN; }
std::string agent_binary() { return CORRAL_AGENT_BIN; }
std::string corralctl_binary() { return CORRALCTL_BIN; }

ManagerUnderTest::ManagerUnderTest(std::string work_dir, std::string config_yaml)
    : work_dir_(std::move(work_dir)), data_dir_(work_dir_ + "/manager") {
  if (!config_yaml.empty()) {
    config_path_ = work_dir_ + "/manager.yaml";
    std::ofstream(config_path_) << config_yaml;
  }
}

namespace {

// "event=manager.listening api_port=N agent_port=M" in TEXT, or nothing yet.
bool parse_listening(const std::string& text, int* api_port, int* agent_port) {
  static const std::regex kListening(R"(event=manager\.listening api_port=(\d+) agent_port=(\d+))");
  std::smatch m;
  if (!std::regex_search(text, m, kListening)) return false;
  *api_port = std::stoi(m[1]);
  *agent_port = std::stoi(m[2]);
  return true;
}

}  // namespace

bool ManagerUnderTest::start() {
  // Every start binds port 0 for the API and reads the ports the manager reports, so parallel
  // tests never race for a port. A restart asks for the same agent port again: enrolled agents
  // were given it and come back to it.
  const int api_port = keep_api_port_ ? api_port_ : 0;
  std::vector<std::string> args = {"--data-dir",     data_dir_,
                                   "--api-listen",   "127.0.0.1:" + std::to_string(api_port),
                                   "--agent-listen", "127.0.0.1:" + std::to_string(agent_port_)};
  if (!config_path_.empty()) {
    args.push_back("--config");
    args.push_back(config_path_);
  }
  const std::string log_path = work_dir_ + "/manager.log";
  size_t log_offset = std::filesystem::exists(log_path) ? std::filesystem::file_size(log_path) : 0;
  process_ = Process::start(manager_binary(), args, log_path, env_);
  bool listening = eventually(
      [&] {
        if (!process_.running()) return true;  // reported below
        std::string log = process_.log();
        return parse_listening(log.size() > log_offset ? log.substr(log_offset) : "", &api_port_, &agent_port_);
      },
      std::chrono::seconds(20));
  if (!listening || !process_.running()) return false;
  return eventually(
             [&] {
               if (!process_.running()) return true;
               auto r = call("GET", "/healthz", "", false);
               return r.ok() && r->status == 200;
             },
             std::chrono::seconds(20)) &&
         process_.running();
}

bool ManagerUnderTest::restart() {
  process_.stop();
  return start();
}

std::string ManagerUnderTest::admin_token() const {
  auto t = read_file(data_dir_ + "/admin.token");
  if (!t.ok()) return "";
  std::string s = *t;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string ManagerUnderTest::ca_pem() const {
  auto t = read_file(data_dir_ + "/ca.crt");
  return t.ok() ? *t : "";
}

Result<http::Response> ManagerUnderTest::call(const std::string& method, const std::string& path,
                                              const std::string& body, bool auth) const {
  http::Request r;
  r.method = method;
  r.url = api_url() + path;
  r.body = body;
  r.tls.ca_pem = ca_pem();
  if (r.tls.ca_pem.empty()) return error(ErrorCode::unavailable, "no CA yet");
  if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
  if (auth) r.headers.emplace_back("Authorization", "Bearer " + admin_token());
  r.timeout = std::chrono::seconds(10);
  return http::perform(r);
}

std::string ManagerUnderTest::create_join_token(const std::string& body_json) const {
  auto r = call("POST", "/api/v1/join-tokens", body_json);
  if (!r.ok() || r->status != 201) return "";
  return json_string_field(r->body, "token");
}

std::string ManagerUnderTest::agent_status(const std::string& agent_id) const {
  auto r = call("GET", "/api/v1/agents/" + agent_id);
  if (!r.ok() || r->status != 200) return "";
  return json_string_field(r->body, "status");
}

Process start_agent(const ManagerUnderTest& manager, const std::string& work_dir, const std::string& name,
                    const std::string& token, const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"--data-dir", work_dir + "/" + name, "--hostname", name};
  std::map<std::string, std::string> env;
  if (!token.empty()) {
    args.push_back("--manager");
    args.push_back(manager.api_url());
    env["CORRAL_JOIN_TOKEN"] = token;
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return Process::start(agent_binary(), args, work_dir + "/" + name + ".log", env);
}

std::string agent_id_from_log(const Process& agent) {
  static const std::regex kWelcome(R"(event=agent\.welcome.* agent_id=([0-9a-f-]{36}))");
  std::smatch m;
  std::string log = agent.log();
  if (std::regex_search(log, m, kWelcome)) return m[1];
  return "";
}

std::string json_string_field(const std::string& json, const std::string& key) {
  std::regex re("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"");
  std::smatch m;
  if (std::regex_search(json, m, re)) return m[1];
  return "";
}

}  // namespace corral::testing
