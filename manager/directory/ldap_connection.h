// One bound connection to a directory server over libldap, opened step by step (DNS, TCP, TLS,
// bind) so a failure names the step and the server's own diagnostic. Blocking: callers run it on
// the manager's "directory" worker pool (manager/workers/executor.h), never on the core thread.
// A connection is used by one thread at a time; ComputerRecords opens one per operation.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "manager/directory/directory_config.h"
#include "manager/directory/directory_status.h"

struct ldap;  // libldap's LDAP handle

namespace corral::manager::directory {

// Attribute name -> values (binary-safe strings).
using LdapAttributes = std::vector<std::pair<std::string, std::vector<std::string>>>;
using LdapEntry = std::map<std::string, std::vector<std::string>>;  // keys in lower case

struct LdapFound {
  std::string dn;
  LdapEntry attributes;
};

// The directory's own explanation of the last failure on LD (its diagnostic message); empty when
// it gave none.
std::string diagnostic_of(struct ldap* ld);

class LdapConnection {
 public:
  // Refuses (step config, nothing sent) an ldap:// URL without StartTLS: a simple bind would
  // carry the password in the clear. Then resolves the host, connects, sets up TLS verifying the
  // server against config.ca_pem (or the system's CAs), and binds as config.bind_dn.
  static DirectoryResult<LdapConnection> open(const DirectoryConfig& config);

  LdapConnection(LdapConnection&& other) noexcept : ld_(std::exchange(other.ld_, nullptr)) {}
  LdapConnection& operator=(LdapConnection&& other) noexcept;
  LdapConnection(const LdapConnection&) = delete;
  LdapConnection& operator=(const LdapConnection&) = delete;
  ~LdapConnection();

  // True while TLS protects the connection (always, for a connection open() returned; checked
  // again before a password is sent).
  bool encrypted() const;

  // The entry at DN with the ATTRIBUTES asked for (empty: none, just whether it exists);
  // nullopt when there is no such entry.
  DirectoryResult<std::optional<LdapEntry>> read(const std::string& dn, const std::vector<std::string>& attributes);
  // The entries at or below BASE that match FILTER (subtree), with the ATTRIBUTES asked for
  // (empty: none). FILTER must already be escaped (ldap_filter.h).
  DirectoryResult<std::vector<LdapFound>> search(const std::string& base, const std::string& filter,
                                                 const std::vector<std::string>& attributes);
  // The DNs directly below DN.
  DirectoryResult<std::vector<std::string>> children(const std::string& dn);
  DirectoryStatus add(const std::string& dn, const LdapAttributes& attributes);
  DirectoryStatus replace(const std::string& dn, const std::string& attribute, const std::vector<std::string>& values);
  // With TREE_DELETE the server removes DN and everything below it (AD's tree-delete control).
  DirectoryStatus remove(const std::string& dn, bool tree_delete);

 private:
  explicit LdapConnection(struct ldap* ld) : ld_(ld) {}
  DirectoryStatus failure(DirectoryStep step, int rc, const std::string& what) const;

  struct ldap* ld_ = nullptr;
};

}  // namespace corral::manager::directory
