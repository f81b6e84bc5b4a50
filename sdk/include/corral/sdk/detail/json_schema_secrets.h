// Lists where a checked schema's secrets can sit (corral/sdk/json_schema.h, secret_paths). Not
// part of the SDK's API.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "corral/sdk/detail/json_schema_checked.h"
#include "corral/sdk/detail/json_schema_support.h"

namespace corral::sdk::json_schema_detail {

// Most property paths walked while listing secrets. A linked list of objects with a secret in
// each node lists one path per level; a recursive schema that branches would list 2^64.
inline constexpr size_t kMaxSecretPaths = 10000;

class SecretPaths {
 public:
  explicit SecretPaths(const CheckedSchema& schema) : schema_(schema) {}

  std::vector<std::string> run() {
    walk({&schema_.root()}, "", 0);
    return std::move(out_);
  }

 private:
  // `schemas` all apply to the value at `path`, which sits inside `depth` objects. Properties
  // are merged by name across them, so allOf branches naming one property are walked once.
  void walk(std::vector<const json*> schemas, const std::string& path, int depth) {
    std::unordered_set<const json*> seen(schemas.begin(), schemas.end());
    for (size_t i = 0; i < schemas.size(); ++i) {
      for (const json* sub : schema_.in_place(*schemas[i])) {
        if (seen.insert(sub).second) schemas.push_back(sub);
      }
    }
    std::map<std::string, std::vector<const json*>> properties;  // by name: deterministic order
    for (const json* s : schemas) {
      if (!s->is_object()) continue;
      auto props = s->find("properties");
      if (props == s->end()) continue;
      for (const auto& [name, sub] : props->items()) properties[name].push_back(&sub);
    }
    for (const auto& [name, subs] : properties) {
      bool secret = false;
      bool below = false;
      for (const json* sub : subs) {
        secret = secret || schema_.is_secret(*sub);
        below = below || schema_.leads_to_secret(*sub);
      }
      if (!secret && !below) continue;
      if (++walked_ > kMaxSecretPaths) {
        bad_schema("", "more than " + std::to_string(kMaxSecretPaths) +
                           " property paths may hold a secret (a recursive schema with writeOnly properties?)");
      }
      std::string here = path + "/" + pointer_token(name);
      if (secret) {
        out_.push_back(here);  // the whole value is the secret
      } else if (depth + 1 < kMaxDepth) {
        walk(subs, here, depth + 1);  // deeper values cannot be in a valid document
      }
    }
  }

  const CheckedSchema& schema_;
  std::vector<std::string> out_;
  size_t walked_ = 0;
};

}  // namespace corral::sdk::json_schema_detail
