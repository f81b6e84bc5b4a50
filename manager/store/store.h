// The manager's persistent state: one repository per aggregate over one connection, and units
// of work that commit several repositories' writes as one transaction. SqliteStore is the
// default; a PostgreSQL store for several managers is another implementation of this interface.
// One thread uses a Store at a time: the core at start-up, then its StoreExecutor.
#pragma once

#include <cstddef>
#include <functional>

#include "common/result.h"
#include "manager/store/admin_token_repository.h"
#include "manager/store/agent_repository.h"
#include "manager/store/autoscale_config_repository.h"
#include "manager/store/event_repository.h"
#include "manager/store/intent_repository.h"
#include "manager/store/join_token_repository.h"
#include "manager/store/ldap_config_repository.h"
#include "manager/store/lease_repository.h"
#include "manager/store/pool_repository.h"
#include "manager/store/provider_config_repository.h"
#include "manager/store/server_repository.h"
#include "manager/store/session_repository.h"
#include "manager/store/workspace_repository.h"

namespace corral::store {

// Answers that callers branch on (a token already used, a stale revision) are typed outcomes in
// each repository's header; a Status error means the call was wrong or the store failed. Every
// repository call on its own is all-or-nothing.
class Repositories {
 public:
  virtual AgentRepository& agents() = 0;
  virtual JoinTokenRepository& join_tokens() = 0;
  virtual AdminTokenRepository& admin_tokens() = 0;
  virtual ProviderConfigRepository& provider_configs() = 0;
  virtual LdapConfigRepository& ldap_configs() = 0;
  virtual IntentRepository& intents() = 0;
  virtual LeaseRepository& leases() = 0;
  // The session broker's model (docs/broker-model.md).
  virtual PoolRepository& pools() = 0;
  virtual ServerRepository& servers() = 0;
  virtual WorkspaceRepository& workspaces() = 0;
  virtual SessionRepository& sessions() = 0;
  // What happened, for operators to follow (docs/events.md).
  virtual EventRepository& events() = 0;
  // How pools scale (docs/autoscaling.md).
  virtual AutoscaleConfigRepository& autoscale_configs() = 0;

 protected:
  ~Repositories() = default;
};

class Store : public Repositories {
 public:
  virtual ~Store() = default;

  // Highest migration applied to the database.
  virtual Result<int> schema_version() = 0;

  // Runs `work` inside one write transaction and commits it if work returns ok; an error status
  // or an exception rolls back every write made through the repositories it was handed, and
  // nothing thrown escapes (an exception becomes an internal error). Units of work do not nest:
  // calling this from inside work returns failed_precondition without running the inner work.
  virtual Status unit_of_work(const std::function<Status(Repositories&)>& work) = 0;

  // Group commit, for StoreExecutor: runs member(0) ... member(count - 1) in order inside one
  // write transaction and commits once, so many small writes share one commit. Each member sees
  // the writes of those before it; each repository call and unit of work inside a member stays
  // all-or-nothing on its own, so one member's error undoes nothing of the others. Not ok means
  // nothing any member wrote was kept (a member not yet run when the store gave up is not run).
  // Members must not call commit_group. This default has no shared transaction: each member's
  // writes commit as they are made, and it returns ok.
  virtual Status commit_group(size_t count, const std::function<void(size_t)>& member) {
    for (size_t i = 0; i < count; ++i) member(i);
    return {};
  }
};

}  // namespace corral::store
