// The REST JSON of sessions (corral.broker.v1.Session, SessionConnection) and of a pool's RD
// Gateway, built from the store's records and the broker's connection details. The session routes
// answer with these; the pool routes map rdGateway in and out with the last three.
#pragma once

#include <string_view>

#include "corral/api/v1/api.pb.h"
#include "corral/broker/v1/broker.pb.h"
#include "manager/broker/connection_details.h"
#include "manager/store/broker_records.h"

namespace corral::manager::api {

corral::broker::v1::ConnectionType connection_type_view(store::ConnectionType type);
// The other way; an unset type is RDP.
store::ConnectionType connection_type_from(corral::broker::v1::ConnectionType type);
corral::broker::v1::Session session_view(const store::SessionRecord& session);
corral::broker::v1::SessionConnection session_connection_view(const broker::ConnectionDetails& connection);

// A Pool shows rd_gateway only when the pool has one (a non-empty hostname).
corral::broker::v1::RdGateway rd_gateway_view(const store::RdGateway& gateway);
store::RdGateway rd_gateway_record(const corral::broker::v1::RdGateway& gateway);
// Adds a field violation to `error` at `path` + "/hostname" or "/port" for each thing
// store::check_rd_gateway would refuse (path is the gateway's own pointer, e.g. "/rdGateway").
void check_rd_gateway_fields(const corral::broker::v1::RdGateway& gateway, std::string_view path,
                             corral::api::v1::Error& error);

}  // namespace corral::manager::api
