// The broker's REST resources (/api/v1/pools, /servers, /workspaces, /sessions) as JSON values:
// corralctl builds and reads these messages itself (the protobuf JSON mapping of
// proto/corral/broker/v1/broker.proto), so fields added on the manager's side need no
// regenerated classes here. The pools, servers, workspaces and sessions commands call it.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cli/api_client.h"
#include "common/result.h"

namespace corral::cli {

// An answer: decoded, and exactly as sent (which --json prints). clang-tidy reads the invariant
// check inside nlohmann::json's noexcept move as a possible throw; it holds for any built value.
struct JsonReply {  // NOLINT(bugprone-exception-escape)
  nlohmann::json value;
  std::string text;
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// METHOD PATH with BODY (none when null); the answer must be a JSON object.
Result<JsonReply> call_json(ApiClient& api, const std::string& method, const std::string& path,
                            const nlohmann::json* body = nullptr);

// "/api/v1/pools/ID" with ID escaped.
std::string resource_path(const std::string& collection, const std::string& id);

// The id of a pool or workspace given by id or name (GET /api/v1/COLLECTION/ID_OR_NAME accepts
// both); errors start with FLAG ("--pool lab: ...") so the user sees which one was not found.
Result<nlohmann::json> find_resource(ApiClient& api, const std::string& collection, const std::string& id_or_name,
                                     const std::string& flag);
Result<std::string> resolve_id(ApiClient& api, const std::string& collection, const std::string& id_or_name,
                               const std::string& flag);
// A list filter given by id or name: adds PARAM=<id> to PARAMS when ID_OR_NAME is not empty.
Status add_id_filter(ApiClient& api, QueryParams& params, const std::string& param, const std::string& collection,
                     const std::string& id_or_name, const std::string& flag);

// Follows GET /api/v1/COLLECTION?PARAMS page by page (nextPageToken) to the end, handing each
// page over as it arrives. A page token seen twice is an error rather than an endless loop.
using JsonPageHandler = std::function<Status(const JsonReply& page)>;
Status for_each_json_page(ApiClient& api, const std::string& collection, QueryParams params,
                          const JsonPageHandler& on_page);

// The list LIST_FIELD of PAGE (empty when absent or not a list).
const nlohmann::json& items_of(const nlohmann::json& page, const std::string& list_field);

// Reading the JSON mapping leniently: absent or mistyped members read as empty / zero.
// (uint64 fields arrive as strings; numbers are accepted too.)
std::string str(const nlohmann::json& object, const std::string& key);
uint64_t num(const nlohmann::json& object, const std::string& key);
bool flag(const nlohmann::json& object, const std::string& key);
std::vector<std::string> strings(const nlohmann::json& object, const std::string& key);

}  // namespace corral::cli
