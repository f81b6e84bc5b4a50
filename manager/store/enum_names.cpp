// The names of the store's enums, for logs and test messages; shared by every implementation.
#include "manager/store/intent_repository.h"
#include "manager/store/join_token_enrollment.h"
#include "manager/store/join_token_repository.h"
#include "manager/store/provider_config_repository.h"

namespace corral::store {

const char* token_consumption_name(TokenConsumption c) {
  switch (c) {
    case TokenConsumption::consumed: return "consumed";
    case TokenConsumption::unknown_token: return "unknown_token";
    case TokenConsumption::already_used: return "already_used";
    case TokenConsumption::expired: return "expired";
  }
  return "?";
}

const char* provider_config_update_name(ProviderConfigUpdate u) {
  switch (u) {
    case ProviderConfigUpdate::updated: return "updated";
    case ProviderConfigUpdate::not_found: return "not_found";
    case ProviderConfigUpdate::revision_mismatch: return "revision_mismatch";
    case ProviderConfigUpdate::name_taken: return "name_taken";
  }
  return "?";
}

const char* intent_kind_name(IntentKind kind) {
  switch (kind) {
    case IntentKind::create_vm: return "create_vm";
    case IntentKind::delete_vm: return "delete_vm";
  }
  return "?";
}

const char* enroll_outcome_name(EnrollOutcome outcome) {
  switch (outcome) {
    case EnrollOutcome::enrolled: return "enrolled";
    case EnrollOutcome::unknown_token: return "unknown_token";
    case EnrollOutcome::token_used: return "token_used";
    case EnrollOutcome::token_expired: return "token_expired";
    case EnrollOutcome::agent_conflict: return "agent_conflict";
  }
  return "?";
}

}  // namespace corral::store
