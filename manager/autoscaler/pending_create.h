// A scale-out between its committed intent and its CreateVm call: what the AD step and the call
// need. Holds secrets (the join token, passwords, the rendered script) in memory only; internal
// to autoscaler_create.cpp and autoscaler_records.cpp.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "manager/autoscaler/ad_record_note.h"
#include "manager/autoscaler/autoscaler.h"
#include "manager/autoscaler/startup_script.h"

namespace corral::autoscaler {

struct Autoscaler::PendingCreate {
  std::string config_id;
  std::string server_id;
  std::string intent_id;
  std::string provider_config_id;
  pv1::CreateVmRequest request;  // everything but the startup script
  StartupScriptValues values;
  store::PoolType pool_type = store::PoolType::server;  // which variables the script may use
  std::optional<AdRecordNote> ad;                       // the config makes an AD computer record
  // Filled inside the unit of work that commits the intent, read in its answer.
  std::string template_text;  // the provider config's, rendered once the AD record exists
  std::set<std::string> plugin_variables;
  std::string script;   // rendered already when no AD record is made
  std::string failure;  // why the script did not render: nothing was written
};

}  // namespace corral::autoscaler
