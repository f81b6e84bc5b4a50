#include "manager/broker/server_labels.h"

#include <string_view>
#include <utility>

#include "manager/fleet/agent_input.h"

namespace corral::broker {
namespace {

std::pair<std::string, std::string> split(std::string_view token) {
  size_t eq = token.find('=');
  if (eq == std::string_view::npos) return {std::string(token), ""};
  return {std::string(token.substr(0, eq)), std::string(token.substr(eq + 1))};
}

}  // namespace

std::map<std::string, std::string> agent_labels(const store::LabelSet& labels) {
  std::map<std::string, std::string> out;
  for (const std::string& token : labels) out.insert(split(token));
  return out;
}

Status check_agent_labels(const store::LabelSet& labels) {
  std::map<std::string, std::string> map;
  for (const std::string& token : labels) {
    auto [key, value] = split(token);
    auto [it, added] = map.emplace(std::move(key), std::move(value));
    // The key is not echoed: check_labels below has not vetted it yet.
    if (!added) return error(ErrorCode::invalid_argument, "labels: two labels have the same key");
  }
  return manager::check_labels(map, "labels");
}

}  // namespace corral::broker
