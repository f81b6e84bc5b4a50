#include "cli/json_pages.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace corral::cli {

// ordered_json keeps the members in the manager's order.
struct JsonPages::State {
  std::optional<nlohmann::ordered_json> document;  // from the first page on
};

JsonPages::JsonPages(std::string list_field, std::string token_field)
    : list_field_(std::move(list_field)), token_field_(std::move(token_field)), state_(std::make_unique<State>()) {}

JsonPages::~JsonPages() = default;

Status JsonPages::add(const std::string& page, size_t keep) {
  auto parsed = nlohmann::ordered_json::parse(page, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return error(ErrorCode::internal, "the manager's page of " + list_field_ + " is not a JSON object");
  }
  auto list = parsed.find(list_field_);
  nlohmann::ordered_json items = list == parsed.end() ? nlohmann::ordered_json::array() : *list;
  if (!items.is_array()) {
    return error(ErrorCode::internal, "'" + list_field_ + "' in the manager's answer is not a list");
  }
  if (!state_->document) {
    state_->document = std::move(parsed);
    state_->document->erase(token_field_);
    (*state_->document)[list_field_] = nlohmann::ordered_json::array();
  }
  auto& joined = (*state_->document)[list_field_];
  for (size_t i = 0; i < keep && i < items.size(); ++i) joined.push_back(std::move(items[i]));
  return {};
}

std::string JsonPages::document() const {
  if (!state_->document) return "{\"" + list_field_ + "\":[]}";
  // Strings were valid UTF-8 when parsed; replace keeps dump() from throwing regardless.
  return state_->document->dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace corral::cli
