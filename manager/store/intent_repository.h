// The autoscaler's intent log: every provider action (create or delete a VM) is appended here
// before it is executed and marked done after, so a crash at any point leaves a list of
// unfinished intents to resume or roll back at start, never a leaked or doubled VM.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/store/records.h"

namespace corral::store {

const char* intent_kind_name(IntentKind kind);  // "create_vm", "delete_vm"

class IntentRepository {
 public:
  virtual ~IntentRepository() = default;

  // Appends the intent with its ownership tags, all or nothing. invalid_argument if the id or
  // idempotency key is empty or done_at is set; already_exists on a duplicate id or idempotency
  // key (so a retried step finds its earlier intent instead of making a second one).
  virtual Status append(const IntentRecord& intent) = 0;
  virtual Result<std::optional<IntentRecord>> get(const std::string& id) = 0;
  // Records the VM id once the provider has named it. not_found if the intent is unknown;
  // failed_precondition if a different VM id is already recorded (an intent is about one VM).
  virtual Status set_vm_id(const std::string& id, const std::string& vm_id) = 0;
  // Marks the intent finished. Marking twice keeps the first outcome and time (a late retry
  // must not rewrite history). not_found if unknown; invalid_argument if done_at <= 0.
  virtual Status mark_done(const std::string& id, const std::string& outcome, int64_t done_at) = 0;
  // Intents not marked done, ordered by created_at, then id: the order to resume them in.
  virtual Result<std::vector<IntentRecord>> list_unfinished() = 0;
  // Every intent about SERVER_ID (done or not), ordered by created_at, then id.
  virtual Result<std::vector<IntentRecord>> list_for_server(const std::string& server_id) = 0;
  // Replaces the payload, done or not: a secret it held is dropped once no longer needed.
  // not_found if the intent is unknown.
  virtual Status set_payload(const std::string& id, const std::string& payload) = 0;
};

}  // namespace corral::store
