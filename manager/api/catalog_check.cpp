#include "manager/api/catalog_check.h"

#include <google/protobuf/util/time_util.h>

#include <string_view>

#include "common/text.h"
#include "manager/api/field_checker.h"
#include "manager/api/provider_config_check.h"
#include "manager/api/session_view.h"
#include "manager/broker/server_labels.h"

namespace corral::manager::api {
namespace {

using google::protobuf::util::TimeUtil;

constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxLabelBytes = 255;
constexpr size_t kMaxUsernameBytes = 256;
constexpr size_t kMaxPasswordBytes = 1024;
constexpr size_t kMaxUserBytes = 256;
constexpr size_t kMaxGroupBytes = 1024;  // a group DN
constexpr int kMaxAllowedGroups = 256;

using Checker = FieldChecker;

bool any(const brokerv1::Resources& r) { return r.cores_milli() != 0 || r.memory_bytes() != 0 || r.gpus() != 0; }

store::ResourceAmounts amounts(const brokerv1::Resources& r) {
  return {static_cast<int64_t>(r.cores_milli()), static_cast<int64_t>(r.memory_bytes()),
          static_cast<int64_t>(r.gpus())};
}

brokerv1::Resources resources_view(const store::ResourceAmounts& a) {
  brokerv1::Resources r;
  r.set_cores_milli(static_cast<uint32_t>(a.cores_milli));
  r.set_memory_bytes(static_cast<uint64_t>(a.memory_bytes));
  r.set_gpus(static_cast<uint32_t>(a.gpus));
  return r;
}

store::LabelSet label_set(const google::protobuf::RepeatedPtrField<std::string>& values) {
  return {values.begin(), values.end()};
}

}  // namespace

Violations check_pool(const brokerv1::Pool& in, const store::PoolRecord* stored) {
  Checker c;
  c.output_only(in, stored == nullptr);
  c.text("/name", in.name(), kMaxNameBytes, true);
  if (in.type() == brokerv1::POOL_TYPE_UNSPECIFIED) {
    c.add("/type", "is required: POOL_TYPE_SERVER or POOL_TYPE_DOCKER_AGENT");
  } else if (stored != nullptr &&
             (in.type() == brokerv1::POOL_TYPE_DOCKER_AGENT) != (stored->type == store::PoolType::docker_agent)) {
    c.add("/type", "cannot change once the pool is created");
  }
  c.entries("/labels", in.labels(), kMaxLabelBytes);
  if (in.server_assignment() && in.type() == brokerv1::POOL_TYPE_DOCKER_AGENT) {
    c.add("/serverAssignment", "only server pools assign users to servers");
  }
  if (in.has_rd_gateway()) {
    corral::api::v1::Error gateway;
    check_rd_gateway_fields(in.rd_gateway(), "/rdGateway", gateway);
    for (const auto& v : gateway.field_violations()) c.add(v.path(), v.message());
  }
  return c.take();
}

Violations check_server(const brokerv1::Server& in, const store::PoolRecord* pool, const store::ServerRecord* stored) {
  Checker c;
  c.output_only(in, stored == nullptr);
  if (in.origin() != brokerv1::SERVER_ORIGIN_UNSPECIFIED) c.add("/origin", "is set by the manager");
  if (!in.autoscale_config_id().empty()) c.add("/autoscaleConfigId", "is set by the manager");
  if (!in.vm_id().empty()) c.add("/vmId", "is set by the manager");
  if (stored == nullptr) {
    if (in.pool_id().empty()) {
      c.add("/poolId", "is required");
    } else if (pool == nullptr) {
      c.add("/poolId", "no pool " + in.pool_id());
    }
  } else if (!in.pool_id().empty() && in.pool_id() != stored->pool_id) {
    c.add("/poolId", "cannot change: a server never moves to another pool");
  }
  c.text("/hostname", in.hostname(), kMaxHostnameBytes, true);
  c.text("/address", in.address(), kMaxHostnameBytes, true);
  if (in.connection_port() > 65535) c.add("/connectionPort", "must be 1-65535 (0 = the connection type's default)");
  c.text("/connectionUsername", in.connection_username(), kMaxUsernameBytes, false);
  if (in.has_connection_password()) {
    if (stored == nullptr && in.connection_password() == kRedacted) {
      c.add("/connectionPassword", "\"[redacted]\" keeps a stored password; a new server has none");
    } else if (in.connection_password().size() > kMaxPasswordBytes) {
      c.add("/connectionPassword", "must be at most " + std::to_string(kMaxPasswordBytes) + " bytes");
    }
  }
  c.entries("/labels", in.labels(), kMaxLabelBytes);
  if (Status agent_ready = broker::check_agent_labels(label_set(in.labels()));
      !agent_ready.ok() && !in.labels().empty()) {
    c.add("/labels", agent_ready.message());
  }
  const bool docker = pool != nullptr && pool->type == store::PoolType::docker_agent;
  if (in.assigned_users_size() > 1) c.add("/assignedUsers", "at most one user per server");
  if (in.assigned_users_size() > 0 && pool != nullptr && !pool->server_assignment) {
    c.add("/assignedUsers", "pool " + pool->name + " does not assign users to servers (serverAssignment is off)");
  }
  c.entries("/assignedUsers", in.assigned_users(), kMaxUserBytes);
  if (in.has_resource_overrides() && any(in.resource_overrides()) && pool != nullptr && !docker) {
    c.add("/resourceOverrides", "only servers of docker pools count resources");
  }
  if (stored != nullptr && !in.agent_id().empty() && in.agent_id() != stored->agent_id) {
    c.add("/agentId", "changes only through POST /api/v1/servers/{id}/assign-agent");
  }
  return c.take();
}

Violations check_workspace(const brokerv1::Workspace& in, const store::PoolRecord* pool,
                           const store::WorkspaceRecord* stored) {
  Checker c;
  c.output_only(in, stored == nullptr);
  c.text("/name", in.name(), kMaxNameBytes, true);
  if (stored != nullptr && !in.pool_id().empty() && in.pool_id() != stored->pool_id) {
    c.add("/poolId", "cannot change: create a workspace in the other pool instead");
  } else if (stored == nullptr && in.pool_id().empty()) {
    c.add("/poolId", "is required");
  } else if (pool == nullptr) {
    c.add("/poolId", "no pool " + in.pool_id());
  }
  c.entries("/includeLabels", in.include_labels(), kMaxLabelBytes);
  c.entries("/excludeLabels", in.exclude_labels(), kMaxLabelBytes);
  c.entries("/allowedGroups", in.allowed_groups(), kMaxGroupBytes);
  if (in.allowed_groups_size() > kMaxAllowedGroups) {
    c.add("/allowedGroups", "at most " + std::to_string(kMaxAllowedGroups) + " groups");
  }
  if (pool != nullptr) {
    const brokerv1::Resources& need = in.session_resources();
    if (pool->type == store::PoolType::docker_agent) {
      if (need.cores_milli() == 0 && need.memory_bytes() == 0) {
        c.add("/sessionResources", "docker pools need the cores or memory one session takes (coresMilli, memoryBytes)");
      }
    } else if (any(need)) {
      c.add("/sessionResources", "only workspaces of docker pools count resources");
    }
  }
  return c.take();
}

store::PoolRecord pool_record(const brokerv1::Pool& in, const store::PoolRecord* stored) {
  store::PoolRecord r;
  if (stored != nullptr) r = *stored;
  r.name = in.name();
  r.type = in.type() == brokerv1::POOL_TYPE_DOCKER_AGENT ? store::PoolType::docker_agent : store::PoolType::server;
  r.labels = label_set(in.labels());
  r.server_assignment = in.server_assignment();
  // Absent or an empty hostname: the pool has no gateway.
  r.rd_gateway = rd_gateway_record(in.rd_gateway());
  return r;
}

store::WorkspaceRecord workspace_record(const brokerv1::Workspace& in, const store::WorkspaceRecord* stored) {
  store::WorkspaceRecord r;
  if (stored != nullptr) r = *stored;
  r.name = in.name();
  if (stored == nullptr) r.pool_id = in.pool_id();
  r.include_labels = label_set(in.include_labels());
  r.exclude_labels = label_set(in.exclude_labels());
  r.allowed_groups = label_set(in.allowed_groups());
  if (in.has_enabled()) {
    r.enabled = in.enabled();
  } else if (stored == nullptr) {
    r.enabled = true;
  }
  r.session_resources = amounts(in.session_resources());
  return r;
}

store::ServerRecord server_record(const brokerv1::Server& in, const store::ServerRecord* stored) {
  store::ServerRecord r;
  if (stored != nullptr) {
    r = *stored;
  } else {
    r.pool_id = in.pool_id();
    r.agent_id = in.agent_id();
    r.origin = store::ServerOrigin::static_server;
  }
  r.hostname = in.hostname();
  r.address = in.address();
  r.connection_type = connection_type_from(in.connection_type());
  r.connection_port =
      in.connection_port() != 0 ? in.connection_port() : store::default_connection_port(r.connection_type);
  r.connection_username = in.connection_username();
  r.max_sessions = in.max_simultaneous_sessions_per_server();
  r.labels = label_set(in.labels());
  if (in.has_enabled()) {
    r.enabled = in.enabled();
  } else if (stored == nullptr) {
    r.enabled = true;
  }
  r.draining = in.draining();
  r.assigned_users = {in.assigned_users().begin(), in.assigned_users().end()};
  r.resource_overrides = amounts(in.resource_overrides());
  return r;
}

PasswordChange password_change(const brokerv1::Server& in) {
  if (!in.has_connection_password() || in.connection_password() == kRedacted) return {};
  if (in.connection_password().empty()) return {PasswordChange::Kind::remove, ""};
  return {PasswordChange::Kind::set, in.connection_password()};
}

brokerv1::Pool pool_view(const store::PoolRecord& r) {
  brokerv1::Pool out;
  out.set_id(r.id);
  out.set_name(r.name);
  out.set_type(r.type == store::PoolType::docker_agent ? brokerv1::POOL_TYPE_DOCKER_AGENT : brokerv1::POOL_TYPE_SERVER);
  for (const auto& l : r.labels) out.add_labels(l);
  out.set_server_assignment(r.server_assignment);
  if (!r.rd_gateway.hostname.empty()) *out.mutable_rd_gateway() = rd_gateway_view(r.rd_gateway);
  *out.mutable_created_at() = TimeUtil::SecondsToTimestamp(r.created_at);
  *out.mutable_updated_at() = TimeUtil::SecondsToTimestamp(r.updated_at);
  out.set_revision(r.revision);
  return out;
}

brokerv1::Server server_view(const store::ServerRecord& r) {
  brokerv1::Server out;
  out.set_id(r.id);
  out.set_pool_id(r.pool_id);
  out.set_hostname(r.hostname);
  out.set_address(r.address);
  out.set_connection_type(connection_type_view(r.connection_type));
  out.set_connection_port(r.connection_port);
  out.set_connection_username(r.connection_username);
  if (!r.connection_password_sealed.empty()) out.set_connection_password(kRedacted);
  out.set_max_simultaneous_sessions_per_server(r.max_sessions);
  for (const auto& l : r.labels) out.add_labels(l);
  out.set_enabled(r.enabled);
  out.set_draining(r.draining);
  out.set_origin(r.origin == store::ServerOrigin::autoscaled ? brokerv1::SERVER_ORIGIN_AUTOSCALED
                                                             : brokerv1::SERVER_ORIGIN_STATIC);
  out.set_autoscale_config_id(r.autoscale_config_id);
  out.set_vm_id(r.vm_id);
  out.set_agent_id(r.agent_id);
  for (const auto& u : r.assigned_users) out.add_assigned_users(u);
  if (!(r.resource_overrides == store::ResourceAmounts{})) {
    *out.mutable_resource_overrides() = resources_view(r.resource_overrides);
  }
  *out.mutable_created_at() = TimeUtil::SecondsToTimestamp(r.created_at);
  *out.mutable_updated_at() = TimeUtil::SecondsToTimestamp(r.updated_at);
  out.set_revision(r.revision);
  return out;
}

brokerv1::Workspace workspace_view(const store::WorkspaceRecord& r) {
  brokerv1::Workspace out;
  out.set_id(r.id);
  out.set_name(r.name);
  out.set_pool_id(r.pool_id);
  for (const auto& l : r.include_labels) out.add_include_labels(l);
  for (const auto& l : r.exclude_labels) out.add_exclude_labels(l);
  for (const auto& g : r.allowed_groups) out.add_allowed_groups(g);
  out.set_enabled(r.enabled);
  if (!(r.session_resources == store::ResourceAmounts{})) {
    *out.mutable_session_resources() = resources_view(r.session_resources);
  }
  *out.mutable_created_at() = TimeUtil::SecondsToTimestamp(r.created_at);
  *out.mutable_updated_at() = TimeUtil::SecondsToTimestamp(r.updated_at);
  out.set_revision(r.revision);
  return out;
}

}  // namespace corral::manager::api
