#include "cli/broker_api.h"

#include <charconv>
#include <set>

namespace corral::cli {

using nlohmann::json;

Result<JsonReply> call_json(ApiClient& api, const std::string& method, const std::string& path, const json* body) {
  std::string text;
  // error_handler replace: a non-UTF-8 byte typed on the command line must not throw.
  if (body) text = body->dump(-1, ' ', false, json::error_handler_t::replace);
  auto response = api.send(method, path, body ? &text : nullptr);
  if (!response.ok()) return response.status();
  JsonReply reply;
  reply.value = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!reply.value.is_object()) {
    return error(ErrorCode::internal, "the manager's answer to " + method + " " + path + " is not a JSON object");
  }
  reply.text = std::move(response->body);
  return reply;
}

std::string resource_path(const std::string& collection, const std::string& id) {
  return "/api/v1/" + collection + "/" + escape_path_segment(id);
}

Result<json> find_resource(ApiClient& api, const std::string& collection, const std::string& id_or_name,
                           const std::string& flag) {
  auto reply = call_json(api, "GET", resource_path(collection, id_or_name));
  if (!reply.ok()) return error(reply.status().code(), flag + " " + id_or_name + ": " + reply.status().message());
  if (str(reply->value, "id").empty()) {
    return error(ErrorCode::internal, flag + " " + id_or_name + ": the manager's answer has no id");
  }
  return std::move(reply->value);
}

Result<std::string> resolve_id(ApiClient& api, const std::string& collection, const std::string& id_or_name,
                               const std::string& flag) {
  auto found = find_resource(api, collection, id_or_name, flag);
  if (!found.ok()) return found.status();
  return str(*found, "id");
}

Status add_id_filter(ApiClient& api, QueryParams& params, const std::string& param, const std::string& collection,
                     const std::string& id_or_name, const std::string& flag) {
  if (id_or_name.empty()) return {};
  auto id = resolve_id(api, collection, id_or_name, flag);
  if (!id.ok()) return id.status();
  params.emplace_back(param, *id);
  return {};
}

Status for_each_json_page(ApiClient& api, const std::string& collection, QueryParams params,
                          const JsonPageHandler& on_page) {
  std::set<std::string> tokens_seen;
  size_t handed_over = 0;
  const size_t base = params.size();
  for (;;) {
    auto page = call_json(api, "GET", "/api/v1/" + collection + query_string(params));
    if (!page.ok()) return page.status();
    handed_over += items_of(page->value, collection).size();
    if (Status st = on_page(*page); !st.ok()) return st;
    std::string next = str(page->value, "nextPageToken");
    if (next.empty()) return {};
    if (!tokens_seen.insert(next).second) {
      return error(ErrorCode::internal, "the manager sent the same page token twice; stopped after " +
                                            std::to_string(handed_over) + " " + collection);
    }
    params.resize(base);
    params.emplace_back("pageToken", next);
  }
}

const json& items_of(const json& page, const std::string& list_field) {
  static const json kEmpty = json::array();
  auto it = page.find(list_field);
  return it != page.end() && it->is_array() ? *it : kEmpty;
}

std::string str(const json& object, const std::string& key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

uint64_t num(const json& object, const std::string& key) {
  auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    return ec == std::errc() && end == s.data() + s.size() ? value : 0;
  }
  return 0;
}

bool flag(const json& object, const std::string& key) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::vector<std::string> strings(const json& object, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& item : items_of(object, key)) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace corral::cli
