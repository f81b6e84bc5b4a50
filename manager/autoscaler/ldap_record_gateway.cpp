#include "manager/autoscaler/ldap_record_gateway.h"

#include <utility>

#include "manager/api/ldap_config_check.h"

namespace corral::autoscaler {

namespace directory = manager::directory;

void LdapRecordGateway::run(const RecordPlace& place, const std::string& what, Operation op, Done done) {
  store_.submit([id = place.ldap_config_id](store::Store& s) { return s.ldap_configs().get(id); },
                [this, place, what, op = std::move(op), done = std::move(done),
                 alive = alive_.watch()](Result<std::optional<store::LdapConfigRecord>> got) mutable {
                  if (alive.expired()) return;
                  if (!got.ok()) return done(got.status());
                  if (!got->has_value())
                    return done(error(ErrorCode::not_found, "no LDAP config " + place.ldap_config_id));
                  auto config = manager::api::directory_config(**got, secrets_);
                  if (!config.ok()) return done(config.status());
                  directory::ComputerPolicy policy;
                  policy.container_dn = place.container_dn;
                  policy.owner = manager_id_;
                  policy.recursive_delete = place.recursive_delete;
                  auto records = directory::ComputerRecords::make(std::move(config).value(), std::move(policy));
                  if (!records.ok()) return done(records.status());
                  manager::workers::JobOptions options;
                  options.pool = manager::workers::kDirectoryPool;
                  options.receiver = alive_.watch();
                  options.what = what + " in LDAP config '" + (*got)->name + "'";
                  workers_.submit<RecordAnswer>(
                      std::move(options),
                      [records = std::move(records).value(), op = std::move(op)](
                          const manager::workers::CancelToken&) mutable -> Result<RecordAnswer> { return op(records); },
                      std::move(done));
                });
}

void LdapRecordGateway::ensure_record(const RecordPlace& place, const std::string& hostname, Done done) {
  run(
      place, "make computer record " + hostname,
      [hostname](directory::ComputerRecords& records) {
        RecordAnswer out;
        auto made = records.ensure(hostname);
        if (!made.ok()) {
          out.status = made.status();
          return out;
        }
        out.dn = made->dn;
        out.password = std::move(made->password);
        out.domain = records.dns_domain();
        return out;
      },
      std::move(done));
}

void LdapRecordGateway::remove_record(const RecordPlace& place, const std::string& hostname, Done done) {
  run(
      place, "delete computer record " + hostname,
      [hostname](directory::ComputerRecords& records) {
        RecordAnswer out;
        out.status = records.remove(hostname);
        out.dn = records.dn_of(hostname);
        return out;
      },
      std::move(done));
}

void LdapRecordGateway::list_records(const RecordPlace& place, Done done) {
  run(
      place, "list computer records",
      [](directory::ComputerRecords& records) {
        RecordAnswer out;
        auto listed = records.list();
        if (!listed.ok()) {
          out.status = listed.status();
        } else {
          out.hostnames = std::move(listed).value();
        }
        return out;
      },
      std::move(done));
}

}  // namespace corral::autoscaler
