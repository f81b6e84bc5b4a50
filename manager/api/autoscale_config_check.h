// The REST API's checks and JSON mapping of autoscale configs (corral.broker.v1.AutoscaleConfig):
// every problem of a request with its JSON Pointer, the request merged with the stored row into
// the record to write, and the record shown back. Pure functions; autoscale_config_routes.cpp
// calls them with the pool and provider config it read from the store (docs/autoscaling.md).
#pragma once

#include <string>

#include "corral/broker/v1/autoscale.pb.h"
#include "manager/api/catalog_check.h"
#include "manager/api/resource_http.h"
#include "manager/store/autoscale_records.h"
#include "manager/store/broker_records.h"

namespace corral::manager::api {

// The request's problems. `pool` is the pool the config names or has (null when none exists),
// `provider_config_known` and `ldap_config_known` whether the provider and LDAP configs it names
// exist, `stored` null on create. Fields of the other pool type are refused; every bound, schedule
// and form is checked.
Violations check_autoscale_config(const brokerv1::AutoscaleConfig& in, const store::PoolRecord* pool,
                                  bool provider_config_known, bool ldap_config_known,
                                  const store::AutoscaleConfigRecord* stored);

// The record to write: id and timestamps from the caller (`stored` on update), defaults on create,
// stored values for absent optional fields on update. The connection password is left as stored
// (or empty): see autoscale_password_change(). Call only when the check found nothing.
store::AutoscaleConfigRecord autoscale_config_record(const brokerv1::AutoscaleConfig& in,
                                                     const store::AutoscaleConfigRecord* stored);
PasswordChange autoscale_password_change(const brokerv1::AutoscaleConfig& in);

// Shows only the fields of the pool's type, so an answer sent back as an update is accepted; the
// password as "[redacted]" when one is stored.
brokerv1::AutoscaleConfig autoscale_config_view(const store::AutoscaleConfigRecord& r, store::PoolType pool_type);

}  // namespace corral::manager::api
