// How the autoscaler reaches Active Directory for its servers' computer records: make one (with a
// fresh one-time password), delete one, list this manager's. The manager's implementation
// (ldap_record_gateway.h) runs each call on the "directory" worker pool; every `done` runs on the
// core thread, later (never inside the call).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/directory/directory_status.h"

namespace corral::autoscaler {

// Which directory and container a config's records live in.
struct RecordPlace {
  std::string ldap_config_id;
  std::string container_dn;
  bool recursive_delete = false;
};

// What the directory answered. A failure names the step (DNS, TCP, TLS, bind, add, ...) and the
// directory's diagnostic; it never holds a password.
struct RecordAnswer {
  manager::directory::DirectoryStatus status;
  // ensure_record: the record and its join password (secret: into the startup script and, sealed,
  // the store; never a log line or an event).
  std::string dn;
  std::string password;
  std::string domain;  // the DNS name of the LDAP config's base DN: {domain}
  // list_records: the hostnames of the records carrying this manager's mark.
  std::vector<std::string> hostnames;
};

class RecordGateway {
 public:
  // An error Result: the call did not reach the directory (the LDAP config is gone, its password
  // does not open, the manager is shutting down).
  using Done = std::function<void(Result<RecordAnswer>)>;

  virtual ~RecordGateway() = default;

  // The record HOSTNAME with a new password: made, or re-passworded if it is this manager's; one
  // that is someone else's is refused.
  virtual void ensure_record(const RecordPlace& place, const std::string& hostname, Done done) = 0;
  // Deletes the record HOSTNAME (a missing one is fine).
  virtual void remove_record(const RecordPlace& place, const std::string& hostname, Done done) = 0;
  virtual void list_records(const RecordPlace& place, Done done) = 0;
};

}  // namespace corral::autoscaler
