// The autoscaler's way to Active Directory in the running manager: reads the LDAP config from the
// store, opens its bind password and runs ComputerRecords on the "directory" worker pool (so a
// slow or unreachable directory never holds the core or provider calls), then answers on the
// core. Records carry this manager's id as their owner mark. See record_gateway.h.
#pragma once

#include <functional>
#include <string>

#include "common/secret_box.h"
#include "manager/autoscaler/record_gateway.h"
#include "manager/directory/computer_records.h"
#include "manager/store/store_executor.h"
#include "manager/workers/executor.h"

namespace corral::autoscaler {

class LdapRecordGateway final : public RecordGateway {
 public:
  LdapRecordGateway(store::StoreExecutor& store, const SecretBox& secrets, manager::workers::Executor& workers,
                    std::string manager_id)
      : store_(store), secrets_(secrets), workers_(workers), manager_id_(std::move(manager_id)) {}

  void ensure_record(const RecordPlace& place, const std::string& hostname, Done done) override;
  void remove_record(const RecordPlace& place, const std::string& hostname, Done done) override;
  void list_records(const RecordPlace& place, Done done) override;

 private:
  using Operation = std::function<RecordAnswer(manager::directory::ComputerRecords&)>;
  // Reads the LDAP config, then runs `op` on the directory pool.
  void run(const RecordPlace& place, const std::string& what, Operation op, Done done);

  store::StoreExecutor& store_;
  const SecretBox& secrets_;
  manager::workers::Executor& workers_;
  std::string manager_id_;
  manager::workers::Liveness alive_;
};

}  // namespace corral::autoscaler
