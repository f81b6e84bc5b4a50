// The REST API's checks and mapping of LDAP configs (corral.api.v1.LdapConfig): every problem of
// a request with its JSON Pointer, the record to store, the record shown back (password
// "[redacted]"), and the directory module's settings built from a stored record. Pure functions;
// LdapConfigService (ldap_configs.h) calls them.
#pragma once

#include <string>

#include "common/result.h"
#include "common/secret_box.h"
#include "corral/api/v1/api.pb.h"
#include "manager/api/resource_http.h"
#include "manager/directory/directory_config.h"
#include "manager/store/ldap_config_repository.h"

namespace corral::manager::api {

inline constexpr uint32_t kDefaultConnectTimeoutMs = 5000;
inline constexpr uint32_t kDefaultOperationTimeoutMs = 10000;

// `stored` is null on create.
Violations check_ldap_config(const corral::api::v1::LdapConfig& in, const store::LdapConfigRecord* stored);

// Where a config's sealed bind password belongs (SecretBox associated data).
std::string ldap_bind_password_aad(const std::string& id);

// The record to write: id, revision and timestamps from the caller (`stored` on update); the bind
// password sealed, or kept as stored when the request leaves it out or sends "[redacted]". Call
// only when the check found nothing.
store::LdapConfigRecord ldap_config_record(const corral::api::v1::LdapConfig& in, const store::LdapConfigRecord* stored,
                                           const std::string& id, const SecretBox& secrets);

corral::api::v1::LdapConfig ldap_config_view(const store::LdapConfigRecord& r);

// What manager/directory needs, with the bind password opened.
Result<directory::DirectoryConfig> directory_config(const store::LdapConfigRecord& r, const SecretBox& secrets);

}  // namespace corral::manager::api
