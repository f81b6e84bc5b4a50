#include "manager/autoscaler/startup_script.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "corral/sdk/template.h"

namespace corral::autoscaler {
namespace {

// The one table of the manager's variables: which pool types offer each, whether an empty value
// is a hole in the script, and where its value is. Save-time validation, rendering and the docs'
// list (docs/autoscaling.md, "Startup scripts") all follow it.
struct Variable {
  const char* name;
  bool docker_only;  // offered to docker agent pools only; the rest are offered to both types
  bool required;     // an empty value is refused: the VM could not join without it
  std::string StartupScriptValues::*value;
};

constexpr Variable kVariables[] = {
    {"connection_username", false, false, &StartupScriptValues::connection_username},
    {"connection_password", false, false, &StartupScriptValues::connection_password},
    {"ad_join_credential", false, false, &StartupScriptValues::ad_join_credential},
    {"domain", false, false, &StartupScriptValues::domain},
    {"server_id", false, true, &StartupScriptValues::server_id},
    {"server_hostname", false, true, &StartupScriptValues::server_hostname},
    {"manager_url", false, true, &StartupScriptValues::manager_url},
    {"join_token", false, true, &StartupScriptValues::join_token},
    {"agent_download_url", false, true, &StartupScriptValues::agent_download_url},
    {"provider_name", true, true, &StartupScriptValues::provider_name},
    {"zone", true, false, &StartupScriptValues::zone},
};

const Variable* find_variable(const std::string& name) {
  for (const Variable& v : kVariables) {
    if (name == v.name) return &v;
  }
  return nullptr;
}

// A template with thousands of bad uses still gives a readable error.
constexpr size_t kMaxProblems = 10;

std::string join_problems(const std::vector<std::string>& problems) {
  std::string out;
  for (size_t i = 0; i < problems.size() && i < kMaxProblems; ++i) out += (i ? "; " : "") + problems[i];
  if (problems.size() > kMaxProblems) out += "; and " + std::to_string(problems.size() - kMaxProblems) + " more";
  return out;
}

std::string at(const sdk::TemplateError& e) {
  return "line " + std::to_string(e.line) + ", column " + std::to_string(e.column);
}

// Every use of `name` in `t`, found as what validate() refuses when only `name` is left out.
std::vector<sdk::TemplateError> uses_of(const sdk::Template& t, const std::string& name) {
  std::set<std::string> others(t.variables().begin(), t.variables().end());
  others.erase(name);
  return t.validate(others);
}

}  // namespace

std::string agent_download_url(std::string_view manager_url) {
  while (!manager_url.empty() && manager_url.back() == '/') manager_url.remove_suffix(1);
  return std::string(manager_url) + kDownloadsPath;
}

const std::vector<std::string>& template_variables(store::PoolType type) {
  static const auto make = [](bool docker) {
    std::vector<std::string> out;
    for (const Variable& v : kVariables) {
      if (docker || !v.docker_only) out.emplace_back(v.name);
    }
    return out;
  };
  static const std::vector<std::string> server = make(false);
  static const std::vector<std::string> docker = make(true);
  return type == store::PoolType::docker_agent ? docker : server;
}

std::set<std::string> all_template_variables() {
  std::set<std::string> out;
  for (const Variable& v : kVariables) out.insert(v.name);
  return out;
}

Result<std::string> render_startup_script(std::string_view template_text, store::PoolType type,
                                          const StartupScriptValues& values,
                                          const std::set<std::string>& plugin_variables) {
  std::vector<sdk::TemplateError> syntax;
  sdk::Template t = sdk::Template::parse(template_text, &syntax);
  std::vector<std::string> problems;
  problems.reserve(syntax.size());
  for (const auto& e : syntax) problems.push_back(e.message);
  if (!problems.empty()) {
    return error(ErrorCode::invalid_argument, "the startup-script template does not parse: " + join_problems(problems));
  }

  const bool docker = type == store::PoolType::docker_agent;
  std::set<std::string> offered(template_variables(type).begin(), template_variables(type).end());
  offered.insert(plugin_variables.begin(), plugin_variables.end());
  std::vector<sdk::TemplateError> refused = t.validate(offered);
  if (!refused.empty()) {
    // A manager variable of the other pool type gets a message saying so instead of "unknown".
    for (const std::string& name : t.variables()) {
      if (find_variable(name) == nullptr || offered.count(name)) continue;
      for (const auto& use : uses_of(t, name)) {
        for (auto& e : refused) {
          if (e.line == use.line && e.column == use.column) {
            e.message = at(use) + ": {" + name + "} is offered to docker agent pools only, not to server pools";
          }
        }
      }
    }
    for (const auto& e : refused) problems.push_back(e.message);
    return error(ErrorCode::invalid_argument, "the startup-script template uses variables " +
                                                  std::string(docker ? "docker agent" : "server") +
                                                  " pools do not offer: " + join_problems(problems));
  }

  std::map<std::string, std::string> substitutions;
  std::vector<sdk::TemplateError> missing;
  for (const std::string& name : t.variables()) {
    const Variable* v = find_variable(name);
    if (v == nullptr) {
      substitutions[name] = "{" + name + "}";  // the plugin's own: it fills them in
      continue;
    }
    const std::string& value = values.*(v->value);
    if (v->required && value.empty()) {
      for (auto& use : uses_of(t, name)) {
        use.message = at(use) + ": {" + name + "} has no value";
        missing.push_back(std::move(use));
      }
      continue;
    }
    substitutions[name] = value;
  }
  if (!missing.empty()) {
    std::sort(missing.begin(), missing.end(), [](const sdk::TemplateError& a, const sdk::TemplateError& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    for (const auto& e : missing) problems.push_back(e.message);
    return error(ErrorCode::failed_precondition, "the startup script cannot be rendered: " + join_problems(problems));
  }
  return t.render(substitutions);
}

}  // namespace corral::autoscaler
