#include "manager/directory/user_directory.h"

#include <ldap.h>

#include "common/text.h"
#include "manager/directory/ldap_connection.h"
#include "manager/directory/ldap_filter.h"

namespace corral::manager::directory {
namespace {

// AD's LDAP_MATCHING_RULE_IN_CHAIN: "member, followed transitively", so one search returns the
// groups the user is in through any depth of nesting.
constexpr char kInChain[] = "1.2.840.113556.1.4.1941";

std::string first_value(const LdapEntry& entry, const std::string& attribute) {
  auto it = entry.find(attribute);
  return it == entry.end() || it->second.empty() ? std::string() : it->second.front();
}

SignInAnswer refused(SignInOutcome outcome, std::string problem) {
  SignInAnswer a;
  a.outcome = outcome;
  a.problem = std::move(problem);
  return a;
}

// Lower case, and no spaces after the commas and equals signs between RDNs.
std::string normal_dn(std::string_view dn) {
  std::string out;
  bool after_separator = false;
  for (char c : dn) {
    if (after_separator && c == ' ') continue;
    after_separator = c == ',' || c == '=';
    out += ascii_lower(std::string_view(&c, 1));
  }
  return out;
}

}  // namespace

SignInAnswer sign_in(const DirectoryConfig& config, const std::string& user_filter, const std::string& username,
                     const std::string& password) {
  if (username.empty()) return refused(SignInOutcome::invalid_credentials, "empty username");
  if (password.empty()) return refused(SignInOutcome::invalid_credentials, "empty password (refused before any bind)");
  auto service = LdapConnection::open(config);
  if (!service.ok()) return refused(SignInOutcome::unavailable, service.status().message());

  const std::string filter = render_user_filter(user_filter, username);
  auto found = service->search(config.base_dn, filter, {"sAMAccountName"});
  if (!found.ok()) return refused(SignInOutcome::unavailable, found.status().message());
  if (found->empty()) return refused(SignInOutcome::unknown_user, "no entry matches the user filter");
  if (found->size() > 1) {
    return refused(SignInOutcome::invalid_credentials,
                   "the user filter matches " + std::to_string(found->size()) + " entries");
  }
  DirectoryUser user;
  user.dn = found->front().dn;
  user.username = first_value(found->front().attributes, "samaccountname");
  if (user.username.empty()) user.username = username;

  // The user's own bind, on its own connection, through the same TLS and timeouts.
  DirectoryConfig as_user = config;
  as_user.bind_dn = user.dn;
  as_user.bind_password = password;
  auto bound = LdapConnection::open(as_user);
  if (!bound.ok()) {
    const DirectoryStatus& s = bound.status();
    if (s.step() == DirectoryStep::bind && s.ldap_code() == LDAP_INVALID_CREDENTIALS) {
      return refused(SignInOutcome::invalid_credentials, s.message());
    }
    return refused(SignInOutcome::unavailable, s.message());
  }

  auto groups = service->search(
      config.base_dn,
      "(&(objectClass=group)(member:" + std::string(kInChain) + ":=" + escape_filter_value(user.dn) + "))",
      {"sAMAccountName", "cn"});
  if (!groups.ok()) return refused(SignInOutcome::unavailable, groups.status().message());
  for (const LdapFound& g : groups.value()) {
    std::string name = first_value(g.attributes, "samaccountname");
    if (name.empty()) name = first_value(g.attributes, "cn");
    user.groups.push_back({g.dn, std::move(name)});
  }
  SignInAnswer answer;
  answer.outcome = SignInOutcome::signed_in;
  answer.user = std::move(user);
  return answer;
}

bool groups_allow(const std::vector<std::string>& allowed, const std::vector<DirectoryGroup>& groups) {
  for (const std::string& want : allowed) {
    const bool by_dn = want.find('=') != std::string::npos;
    const std::string key = by_dn ? normal_dn(want) : ascii_lower(want);
    for (const DirectoryGroup& g : groups) {
      if (by_dn ? normal_dn(g.dn) == key : ascii_lower(g.name) == key) return true;
    }
  }
  return false;
}

}  // namespace corral::manager::directory
