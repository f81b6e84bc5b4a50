#include "manager/directory/computer_records.h"

#include <ldap.h>

#include "common/log.h"
#include "common/text.h"
#include "manager/directory/ldap_connection.h"

namespace corral::manager::directory {
namespace {

// userAccountControl WORKSTATION_TRUST_ACCOUNT: a domain member computer.
constexpr char kWorkstationTrust[] = "4096";

enum class AddOutcome { added, taken };

DirectoryResult<AddOutcome> add_computer(LdapConnection& ldap, const ComputerRecords& records,
                                         const std::string& hostname, const std::string& password) {
  if (!ldap.encrypted()) {
    return DirectoryStatus{DirectoryStep::config, 0,
                           "config: refusing to send a password over an unencrypted connection"};
  }
  auto pwd = unicode_pwd_value(password);
  if (!pwd.ok()) return DirectoryStatus{DirectoryStep::config, 0, "config: " + pwd.status().message()};
  const std::string dn = records.dn_of(hostname);
  LdapAttributes attributes{
      {"objectClass", {"top", "person", "organizationalPerson", "user", "computer"}},
      {"cn", {hostname}},
      {"sAMAccountName", {computer_account_name(hostname)}},
      {"userAccountControl", {kWorkstationTrust}},
      {"dNSHostName", {hostname + "." + records.dns_domain()}},
      {"description", {records.owner_mark()}},
      {"unicodePwd", {*pwd}},
  };
  auto s = ldap.add(dn, attributes);
  if (s.ok()) return AddOutcome::added;
  if (s.ldap_code() == LDAP_ALREADY_EXISTS) return AddOutcome::taken;
  return s;
}

DirectoryStatus delete_subtree(LdapConnection& ldap, const std::string& dn) {
  auto children = ldap.children(dn);
  if (!children.ok()) return children.status();
  for (const auto& child : children.value()) {
    if (auto s = delete_subtree(ldap, child); !s.ok()) return s;
  }
  auto s = ldap.remove(dn, false);
  if (!s.ok() && s.ldap_code() != LDAP_NO_SUCH_OBJECT) return s;
  return DirectoryStatus::ok_status();
}

}  // namespace

std::string dns_domain_of(const std::string& base_dn) {
  std::string out;
  size_t start = 0;
  while (start <= base_dn.size()) {
    size_t comma = base_dn.find(',', start);
    std::string_view part = trim_whitespace(
        std::string_view(base_dn).substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (part.size() > 3 && ascii_iequals(part.substr(0, 3), "dc=")) {
      if (!out.empty()) out += '.';
      out += ascii_lower(part.substr(3));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<ComputerRecords> ComputerRecords::make(DirectoryConfig config, ComputerPolicy policy, RandomBytes random) {
  if (policy.container_dn.empty()) return error(ErrorCode::invalid_argument, "computer container DN is empty");
  if (policy.owner.empty()) return error(ErrorCode::invalid_argument, "computer records need an owner mark");
  if (policy.dns_domain.empty()) policy.dns_domain = dns_domain_of(config.base_dn);
  if (policy.dns_domain.empty()) {
    return error(ErrorCode::invalid_argument, "no DNS domain for dNSHostName: base DN has no DC= parts");
  }
  if (policy.max_name_attempts < 1) return error(ErrorCode::invalid_argument, "max_name_attempts must be at least 1");
  auto pattern = HostnamePattern::parse(policy.hostname_pattern);
  if (!pattern.ok()) return pattern.status();
  return ComputerRecords(std::move(config), std::move(policy), std::move(pattern).value(), std::move(random));
}

DirectoryResult<ComputerRecord> ComputerRecords::create() {
  auto ldap = LdapConnection::open(config_);
  if (!ldap.ok()) return ldap.status();
  const int attempts = pattern_.has_random() ? policy_.max_name_attempts : 1;
  std::string last;
  for (int i = 0; i < attempts; ++i) {
    ComputerRecord record{pattern_.generate(random_), "", generate_machine_password(random_)};
    record.dn = dn_of(record.hostname);
    auto added = add_computer(ldap.value(), *this, record.hostname, record.password);
    if (!added.ok()) return added.status();
    if (added.value() == AddOutcome::added) {
      log::info("directory.computer_created", {{"hostname", record.hostname}, {"dn", record.dn}});
      return record;
    }
    log::info("directory.name_taken", {{"hostname", record.hostname}});
    last = record.hostname;
  }
  return DirectoryStatus{DirectoryStep::add, LDAP_ALREADY_EXISTS,
                         "add: every name tried was taken (last: " + last + "); widen the hostname pattern"};
}

DirectoryResult<ComputerRecord> ComputerRecords::ensure(const std::string& hostname) {
  auto ldap = LdapConnection::open(config_);
  if (!ldap.ok()) return ldap.status();
  ComputerRecord record{ascii_lower(hostname), "", generate_machine_password(random_)};
  record.dn = dn_of(record.hostname);
  auto added = add_computer(ldap.value(), *this, record.hostname, record.password);
  if (!added.ok()) return added.status();
  if (added.value() == AddOutcome::added) {
    log::info("directory.computer_created", {{"hostname", record.hostname}, {"dn", record.dn}});
    return record;
  }
  auto existing = ldap->read(record.dn, {"description"});
  if (!existing.ok()) return existing.status();
  const auto& entry = existing.value();
  const bool ours = entry.has_value() && entry->contains("description") &&
                    entry->at("description") == std::vector<std::string>{owner_mark()};
  if (!ours) {
    return DirectoryStatus{DirectoryStep::add, LDAP_ALREADY_EXISTS,
                           "add: " + record.hostname +
                               " already exists in the directory and was not created by this "
                               "manager; not touching it"};
  }
  auto pwd = unicode_pwd_value(record.password);
  if (!pwd.ok()) return DirectoryStatus{DirectoryStep::config, 0, "config: " + pwd.status().message()};
  if (auto s = ldap->replace(record.dn, "unicodePwd", {*pwd}); !s.ok()) return s;
  log::info("directory.computer_repassworded", {{"hostname", record.hostname}, {"dn", record.dn}});
  return record;
}

DirectoryStatus ComputerRecords::remove(const std::string& hostname) {
  auto ldap = LdapConnection::open(config_);
  if (!ldap.ok()) return ldap.status();
  const std::string dn = dn_of(ascii_lower(hostname));
  auto s = ldap->remove(dn, policy_.recursive_delete);
  if (!s.ok() && s.ldap_code() == LDAP_UNAVAILABLE_CRITICAL_EXTENSION && policy_.recursive_delete) {
    s = delete_subtree(ldap.value(), dn);  // a server without tree delete: children first
  }
  if (!s.ok() && s.ldap_code() == LDAP_NO_SUCH_OBJECT) s = DirectoryStatus::ok_status();
  if (!s.ok() && s.ldap_code() == LDAP_NOT_ALLOWED_ON_NONLEAF) {
    return {DirectoryStep::remove, s.ldap_code(), s.message() + "; it has child objects: turn on recursive delete"};
  }
  if (s.ok()) log::info("directory.computer_deleted", {{"hostname", ascii_lower(hostname)}, {"dn", dn}});
  return s;
}

DirectoryResult<std::vector<std::string>> ComputerRecords::list() {
  auto ldap = LdapConnection::open(config_);
  if (!ldap.ok()) return ldap.status();
  auto children = ldap->children(policy_.container_dn);
  if (!children.ok()) return children.status();
  std::vector<std::string> out;
  const std::vector<std::string> mark{owner_mark()};
  // One read per child keeps to the connection's primitives; a container holds a fleet's
  // computers, read once per sweep.
  for (const std::string& dn : children.value()) {
    auto entry = ldap->read(dn, {"cn", "description"});
    if (!entry.ok()) return entry.status();
    const auto& e = entry.value();
    if (!e.has_value() || !e->contains("description") || e->at("description") != mark) continue;
    auto cn = e->find("cn");
    if (cn == e->end() || cn->second.size() != 1) continue;
    out.push_back(ascii_lower(cn->second.front()));
  }
  return out;
}

}  // namespace corral::manager::directory
