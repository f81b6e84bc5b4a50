// /api/v1/ldap-configs: create, list, show, replace and delete LDAP configs, and test one (bind
// and a base search against the directory, reporting the step that failed). The bind password is
// sealed with the master key before it is stored and shown as "[redacted]" in every answer.
//
// Checks are pure and run on the core; the store through its executor; the test's LDAP calls
// block, so they run on the "directory" worker pool, each on its own connection.
#pragma once

#include <functional>
#include <string>

#include "common/clock.h"
#include "common/secret_box.h"
#include "manager/net/transport.h"
#include "manager/store/store_executor.h"
#include "manager/workers/executor.h"

namespace corral::manager {

class LdapConfigService {
 public:
  using Reply = std::function<void(HttpResponse)>;

  LdapConfigService(store::StoreExecutor& store, const SecretBox& secrets, const Clock& clock,
                    workers::Executor& workers)
      : store_(store), secrets_(secrets), clock_(clock), workers_(workers) {}

  // Core thread; each answers through `reply`, later.
  void create(const HttpRequest& request, Reply reply);
  // Compare-and-set on the revision: If-Match (412 when it differs), else the body's revision,
  // else the one read when the request arrived (409 when another update landed meanwhile).
  void replace(const std::string& id, const HttpRequest& request, Reply reply);
  // KEY: a config's id or its name.
  void show(const std::string& key, Reply reply);
  void list(Reply reply);
  void remove(const std::string& id, Reply reply);
  // 200 with LdapConfigTestResult whether or not the directory answered; 404 for no such config.
  void test(const std::string& key, Reply reply);

 private:
  void find(const std::string& key, std::function<void(Result<std::optional<store::LdapConfigRecord>>)> then);

  store::StoreExecutor& store_;
  const SecretBox& secrets_;
  const Clock& clock_;
  workers::Executor& workers_;
  workers::Liveness alive_;  // worker completions reach this service only while it lives
};

}  // namespace corral::manager
