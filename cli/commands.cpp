#include "cli/commands.h"

#include "cli/format.h"
#include "cli/pretty_json.h"
#include "cli/usage.h"

#include <google/protobuf/util/json_util.h>

#include "cli/table.h"

namespace corral::cli {

Status agents_list(ApiClient& api, const Output& output) {
  auto reply = api.list_agents();
  if (!reply.ok()) return reply.status();
  output.out << (output.json ? pretty_json(reply->json) : format_agent_table(reply->message, output.now));
  return {};
}

Status agents_show(ApiClient& api, const std::string& id, const Output& output) {
  auto reply = api.get_agent(id);
  if (!reply.ok()) return reply.status();
  output.out << (output.json ? pretty_json(reply->json) : format_agent_details(reply->message, output.now));
  return {};
}

Status agents_revoke(ApiClient& api, const std::string& id, const Output& output) {
  auto reply = api.revoke_agent(id);
  if (!reply.ok()) return reply.status();
  if (output.json) {
    output.out << pretty_json(reply->json);
  } else {
    const auto& agent = reply->message;
    output.out << "agent " << (agent.id().empty() ? id : agent.id());
    if (!agent.hostname().empty()) output.out << " (" << agent.hostname() << ")";
    output.out << " revoked\n";
  }
  return {};
}

Status agents_command(ApiClient& api, const std::string& id, const agent::v1::Command& command, const Output& output) {
  api::v1::SendCommandRequest request;
  *request.mutable_command() = command;
  auto reply = api.send_command(id, request);
  if (!reply.ok()) return reply.status();
  if (output.json) {
    output.out << pretty_json(reply->json);
  } else {
    // 202: the manager queued it; the agent's result arrives later, asynchronously.
    output.out << "command " << reply->message.command_id() << " sent to agent " << id << "\n";
  }
  return {};
}

Status join_token_create(ApiClient& api, const api::v1::CreateJoinTokenRequest& request, const Output& output) {
  auto reply = api.create_join_token(request);
  if (!reply.ok()) return reply.status();
  if (output.json) {
    output.out << pretty_json(reply->json);
  } else {
    output.out << format_join_token(reply->message, output.now);
    output.err << "Store the token now: the manager does not show it again.\n";
  }
  return {};
}

Status version(ApiClient* api, const Output& output) {
  const std::string client = client_version();
  if (!api) {
    output.out << (output.json ? pretty_json(R"({"clientVersion":")" + client + R"("})") : "client: " + client + "\n");
    return {};
  }
  auto reply = api->health();
  if (!reply.ok()) {
    // The client half is still worth printing before the error.
    if (!output.json) output.out << "client: " << client << "\n";
    return reply.status();
  }
  if (output.json) {
    output.out << pretty_json(R"({"clientVersion":")" + client + R"(","server":)" + reply->json + "}");
  } else {
    const auto& health = reply->message;
    output.out << "client: " << client << "\n"
               << "server: " << (health.version().empty() ? "-" : health.version()) << " (" << health.status() << ", "
               << health.agents_connected() << " agents connected)\n";
  }
  return {};
}

Status plugins_list(ApiClient& api, const Output& output) {
  auto reply = api.list_plugins();
  if (!reply.ok()) return reply.status();
  if (output.json) {
    output.out << pretty_json(reply->json);
    return {};
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : reply->message.plugins()) {
    std::string os;
    for (const auto& o : p.os_types()) os += (os.empty() ? "" : ",") + o;
    rows.push_back({p.name(), p.version(), p.isolation(), os, p.file()});
  }
  output.out << format_table({"NAME", "VERSION", "ISOLATION", "OS", "FILE"}, rows);
  return {};
}

Status provider_configs_list(ApiClient& api, const Output& output) {
  auto reply = api.list_provider_configs();
  if (!reply.ok()) return reply.status();
  if (output.json) {
    output.out << pretty_json(reply->json);
    return {};
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : reply->message.provider_configs()) {
    rows.push_back({c.name(), c.plugin(), std::to_string(c.max_instances()), std::to_string(c.revision()), c.id()});
  }
  output.out << format_table({"NAME", "PLUGIN", "MAX", "REVISION", "ID"}, rows);
  return {};
}

Status provider_configs_show(ApiClient& api, const std::string& id_or_name, const Output& output) {
  auto reply = api.get_provider_config(id_or_name);
  if (!reply.ok()) return reply.status();
  // A config is JSON by nature (secrets appear as "[redacted]"); both modes print it.
  output.out << pretty_json(reply->json);
  return {};
}

Status provider_configs_save(ApiClient& api, const std::string& id, const std::string& body_json, const Output& output) {
  api::v1::ProviderConfig config;
  google::protobuf::util::JsonParseOptions options;
  auto parsed = google::protobuf::util::JsonStringToMessage(body_json, &config, options);
  if (!parsed.ok()) {
    return error(ErrorCode::invalid_argument, "the file is not a provider config: " + std::string(parsed.message()));
  }
  auto reply = id.empty() ? api.create_provider_config(config) : api.update_provider_config(id, config);
  if (!reply.ok()) return reply.status();
  if (output.json) {
    output.out << pretty_json(reply->json);
  } else {
    const auto& c = reply->message;
    output.out << "provider config " << c.name() << " " << (id.empty() ? "created" : "updated") << " (id " << c.id()
               << ", revision " << c.revision() << ")\n";
  }
  return {};
}

Status provider_configs_delete(ApiClient& api, const std::string& id, const Output& output) {
  auto reply = api.delete_provider_config(id);
  if (!reply.ok()) return reply.status();
  if (output.json) {
    output.out << pretty_json(reply->json);
  } else {
    output.out << "provider config " << reply->message.name() << " (" << id << ") deleted\n";
  }
  return {};
}

}  // namespace corral::cli
