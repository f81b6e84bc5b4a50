// Computer records in Active Directory for autoscaled Windows servers: the manager pre-creates
// CN=<hostname> with a one-time password that the VM's startup script joins with, so no domain
// admin credential reaches a VM; and deletes it with the VM. Every call is blocking and opens its
// own connection: run it on the "directory" worker pool. Rules: docs/active-directory.md.
#pragma once

#include <string>
#include <vector>

#include "manager/directory/directory_config.h"
#include "manager/directory/directory_status.h"
#include "manager/directory/hostname_pattern.h"
#include "manager/directory/machine_password.h"

namespace corral::manager::directory {

struct ComputerPolicy {
  std::string container_dn;  // where records go, e.g. CN=Computers,DC=example,DC=local
  std::string hostname_pattern = kDefaultHostnamePattern;
  std::string dns_domain;  // the dNSHostName suffix; empty: the DNS name of the config's base DN
  // Written into each record's description: a record is "ours" (may be re-passworded by a retried
  // create, found by an orphan sweep) only when it carries this manager's mark.
  std::string owner;
  // Delete a record's child objects with it (tree delete); otherwise such a record is refused.
  bool recursive_delete = false;
  int max_name_attempts = 8;
};

struct ComputerRecord {
  std::string hostname;  // lower case, at most 15 characters
  std::string dn;
  std::string password;  // secret: hand to the VM, never log
};

// "DC=example,DC=local" -> "example.local"; empty when the DN has no DC= parts.
std::string dns_domain_of(const std::string& base_dn);

class ComputerRecords {
 public:
  // Checks the policy (container, owner, hostname pattern, a DNS domain) before any connection.
  static Result<ComputerRecords> make(DirectoryConfig config, ComputerPolicy policy,
                                      RandomBytes random = system_random());

  // A record under a fresh name from the pattern; a name already taken in the directory is
  // replaced by another, up to max_name_attempts.
  DirectoryResult<ComputerRecord> create();
  // The record HOSTNAME with a new password: created if missing, re-passworded if it exists and
  // is ours (a retried create), refused if it belongs to someone else.
  DirectoryResult<ComputerRecord> ensure(const std::string& hostname);
  // Deletes the record HOSTNAME; a missing one is fine. Child objects: see recursive_delete.
  DirectoryStatus remove(const std::string& hostname);
  // The hostnames (lower case) of the records in the container that carry this manager's owner
  // mark: what an orphan sweep may remove. Anyone else's objects are never listed.
  DirectoryResult<std::vector<std::string>> list();

  std::string dn_of(const std::string& hostname) const { return "CN=" + hostname + "," + policy_.container_dn; }
  const std::string& dns_domain() const { return policy_.dns_domain; }
  std::string owner_mark() const { return "Created by Corral (owner " + policy_.owner + ")"; }

 private:
  ComputerRecords(DirectoryConfig config, ComputerPolicy policy, HostnamePattern pattern, RandomBytes random)
      : config_(std::move(config)),
        policy_(std::move(policy)),
        pattern_(std::move(pattern)),
        random_(std::move(random)) {}

  DirectoryConfig config_;
  ComputerPolicy policy_;
  HostnamePattern pattern_;
  RandomBytes random_;
};

}  // namespace corral::manager::directory
