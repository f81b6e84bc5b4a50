// The rows the manager persists: enrolled agents, one-time join tokens, admin API tokens,
// provider configs, the autoscaler's intent log and leases. Plain values shared by every Store
// implementation; the fleet, the API and the autoscaler build and read them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "corral/agent/v1/agent.pb.h"

namespace corral::store {

struct AgentRecord {
  std::string id;                              // UUID, also the certificate CN
  std::string certificate_serial;              // hex
  int64_t enrolled_at = 0;                     // unix seconds
  int64_t last_seen = 0;                       // 0 = never
  int64_t revoked_at = 0;                      // 0 = not revoked
  std::string join_token_id;                   // token used to enroll
  std::string server_id;                       // from the token, may be empty
  std::map<std::string, std::string> labels;   // from the token
  corral::agent::v1::Hello hello;              // last Hello received
  corral::agent::v1::CapacityReport capacity;  // last capacity report
};

struct JoinTokenRecord {
  std::string id;             // public part of the token
  std::string secret_sha256;  // hex SHA-256 of the secret part; the secret itself is never stored
  int64_t created_at = 0;
  // The token is usable while now < expires_at.
  int64_t expires_at = 0;
  int64_t used_at = 0;  // 0 = unused
  std::string used_by_agent;
  std::map<std::string, std::string> labels;
  std::string server_id;
  std::string description;
};

struct AdminTokenRecord {
  std::string id;
  std::string secret_sha256;  // hex; as for join tokens, the secret itself is never stored
  std::string name;
  int64_t created_at = 0;
};

// A provider config: which plugin, its config (JSON, secret fields sealed with SecretBox), the
// startup-script template and the instance limit.
struct ProviderConfigRecord {
  std::string id;    // UUID
  std::string name;  // unique
  std::string plugin;
  std::string config_json;
  std::string startup_script_template;
  uint32_t max_instances = 0;
  uint64_t revision = 0;  // 1 at creation, +1 on every update
  int64_t created_at = 0;
  int64_t updated_at = 0;
  // JSON Pointers into config_json of the values that are secrets (sealed), as the plugin's schema
  // said when the config was saved. nullopt for rows saved before this was recorded.
  std::optional<std::vector<std::string>> secret_paths;
};

// One provider action the autoscaler is about to take, written before it is taken, so that after a
// crash the manager finds every action that may have half-happened and resumes or undoes it.
enum class IntentKind { create_vm, delete_vm };

struct IntentRecord {
  std::string id;  // UUID
  IntentKind kind = IntentKind::create_vm;
  std::string idempotency_key;  // unique; handed to the plugin so a retried CreateVm makes one VM
  std::string provider_config_id;
  std::string autoscale_config_id;
  std::string server_id;
  std::string vm_id;                                  // may be empty until the provider has answered
  std::map<std::string, std::string> ownership_tags;  // the tags the VM carries (ListVms finds it by them)
  std::string payload;                                // opaque to the store (e.g. a serialized request)
  int64_t created_at = 0;                             // unix seconds
  int64_t done_at = 0;                                // 0 = unfinished
  std::string outcome;                                // free text, set when done
};

// A named lease held by one manager at a time (e.g. "autoscaler"). Times are unix milliseconds:
// leases live seconds, so whole seconds would be too coarse for renewals.
struct LeaseRecord {
  std::string name;
  std::string holder;
  int64_t expires_at_ms = 0;  // held while now_ms < expires_at_ms
};

}  // namespace corral::store
