#include "manager/api/session_view.h"

#include <google/protobuf/util/time_util.h>

#include <string>

#include "manager/store/broker_validation.h"

namespace corral::manager::api {
namespace {

namespace brokerv1 = corral::broker::v1;
using google::protobuf::util::TimeUtil;

brokerv1::SessionState state_view(store::SessionState s) {
  switch (s) {
    case store::SessionState::reserved: return brokerv1::SESSION_STATE_RESERVED;
    case store::SessionState::active: return brokerv1::SESSION_STATE_ACTIVE;
    case store::SessionState::ended: return brokerv1::SESSION_STATE_ENDED;
  }
  return brokerv1::SESSION_STATE_UNSPECIFIED;
}

brokerv1::SessionEndReason end_reason_view(store::SessionEndReason r) {
  switch (r) {
    case store::SessionEndReason::none: return brokerv1::SESSION_END_REASON_UNSPECIFIED;
    case store::SessionEndReason::user: return brokerv1::SESSION_END_REASON_USER;
    case store::SessionEndReason::admin: return brokerv1::SESSION_END_REASON_ADMIN;
    case store::SessionEndReason::agent: return brokerv1::SESSION_END_REASON_AGENT;
    case store::SessionEndReason::expired_reservation: return brokerv1::SESSION_END_REASON_EXPIRED_RESERVATION;
    case store::SessionEndReason::server_deleted: return brokerv1::SESSION_END_REASON_SERVER_DELETED;
  }
  return brokerv1::SESSION_END_REASON_UNSPECIFIED;
}

brokerv1::SessionOrigin origin_view(store::SessionOrigin o) {
  switch (o) {
    case store::SessionOrigin::placed: return brokerv1::SESSION_ORIGIN_PLACED;
    case store::SessionOrigin::reported: return brokerv1::SESSION_ORIGIN_REPORTED;
  }
  return brokerv1::SESSION_ORIGIN_UNSPECIFIED;
}

}  // namespace

brokerv1::ConnectionType connection_type_view(store::ConnectionType t) {
  switch (t) {
    case store::ConnectionType::rdp: return brokerv1::CONNECTION_TYPE_RDP;
    case store::ConnectionType::ssh: return brokerv1::CONNECTION_TYPE_SSH;
    case store::ConnectionType::vnc: return brokerv1::CONNECTION_TYPE_VNC;
  }
  return brokerv1::CONNECTION_TYPE_UNSPECIFIED;
}

store::ConnectionType connection_type_from(brokerv1::ConnectionType t) {
  switch (t) {
    case brokerv1::CONNECTION_TYPE_SSH: return store::ConnectionType::ssh;
    case brokerv1::CONNECTION_TYPE_VNC: return store::ConnectionType::vnc;
    default: return store::ConnectionType::rdp;
  }
}

brokerv1::Session session_view(const store::SessionRecord& s) {
  brokerv1::Session out;
  out.set_id(s.id);
  out.set_workspace_id(s.workspace_id);
  out.set_pool_id(s.pool_id);
  out.set_server_id(s.server_id);
  out.set_user(s.user);
  out.set_state(state_view(s.state));
  out.set_end_reason(end_reason_view(s.end_reason));
  out.set_origin(origin_view(s.origin));
  out.set_agent_session_id(s.agent_session_id);
  if (s.resources != store::ResourceAmounts{}) {
    brokerv1::Resources* r = out.mutable_resources();
    r->set_cores_milli(static_cast<uint32_t>(s.resources.cores_milli));
    r->set_memory_bytes(static_cast<uint64_t>(s.resources.memory_bytes));
    r->set_gpus(static_cast<uint32_t>(s.resources.gpus));
  }
  // 0 means "not yet": the field stays absent rather than showing 1970.
  if (s.reserved_at > 0) *out.mutable_reserved_at() = TimeUtil::SecondsToTimestamp(s.reserved_at);
  if (s.reservation_expires_at > 0) {
    *out.mutable_reservation_expires_at() = TimeUtil::SecondsToTimestamp(s.reservation_expires_at);
  }
  if (s.activated_at > 0) *out.mutable_activated_at() = TimeUtil::SecondsToTimestamp(s.activated_at);
  if (s.ended_at > 0) *out.mutable_ended_at() = TimeUtil::SecondsToTimestamp(s.ended_at);
  return out;
}

brokerv1::SessionConnection session_connection_view(const broker::ConnectionDetails& c) {
  brokerv1::SessionConnection out;
  out.set_server_id(c.server_id);
  out.set_hostname(c.hostname);
  out.set_address(c.address);
  out.set_connection_type(connection_type_view(c.type));
  out.set_port(c.port);
  out.set_username(c.username);
  out.set_password_stored(c.password_stored);
  return out;
}

brokerv1::RdGateway rd_gateway_view(const store::RdGateway& gateway) {
  brokerv1::RdGateway out;
  out.set_hostname(gateway.hostname);
  out.set_port(gateway.port);
  return out;
}

store::RdGateway rd_gateway_record(const brokerv1::RdGateway& gateway) {
  return store::RdGateway{gateway.hostname(), gateway.port()};
}

void check_rd_gateway_fields(const brokerv1::RdGateway& gateway, std::string_view path, corral::api::v1::Error& error) {
  auto add = [&](const char* field, std::string message) {
    auto* v = error.add_field_violations();
    v->set_path(std::string(path) + field);
    v->set_message(std::move(message));
  };
  if (gateway.port() > 65535) add("/port", "must be 0 (443) to 65535");
  if (gateway.hostname().empty()) {
    if (gateway.port() != 0) add("/port", "is set without a hostname");
    return;
  }
  // The store's own check, on the hostname alone, words what is wrong with it.
  if (Status s = store::check_rd_gateway({gateway.hostname(), 0}); !s.ok()) {
    std::string message = s.message();
    const std::string prefix = "rd_gateway hostname ";
    if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
    add("/hostname", message);
  }
}

}  // namespace corral::manager::api
