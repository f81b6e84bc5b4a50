#include "agent/startup.h"

#include <memory>

#include "agent/agent_runtime.h"
#include "agent/data_dir.h"
#include "agent/endpoint.h"
#include "agent/enrollment.h"
#include "agent/host_info.h"
#include "agent/interrupt.h"
#include "agent/lws_channel.h"
#include "agent/sessions/managed_backend.h"
#include "common/files.h"
#include "common/http/client.h"
#include "common/log.h"
#include "common/ws/backoff.h"

namespace corral::agent {
namespace {

constexpr size_t kMaxMessageBytes = 1024 * 1024;

// Enrolls, trying again while the manager cannot be reached (a VM often boots before its network
// or the manager is up). Anything else, a refusal above all, ends the attempt: retrying a used
// or expired token cannot succeed.
Status enroll_with_retry(const DataDir& dir, const AgentSettings& settings, const std::string& hostname) {
  if (settings.manager_url.empty() || settings.join_token.empty()) {
    return error(ErrorCode::failed_precondition,
                 "not enrolled yet: the first start needs --manager and a join token (--join-token, "
                 "--join-token-file or " +
                     std::string(kJoinTokenEnv) + ")");
  }
  EnrollParams params;
  params.manager_url = settings.manager_url;
  params.join_token = settings.join_token;
  params.hostname = hostname;
  if (!settings.ca_cert_file.empty()) {
    auto ca = read_file(settings.ca_cert_file);
    if (!ca.ok()) return error(ErrorCode::invalid_argument, "--ca-cert: " + ca.status().message());
    params.ca_cert_pem = std::move(ca).value();
  }
  ws::Backoff backoff(std::chrono::seconds(1), std::chrono::seconds(settings.config.max_reconnect_delay_seconds()));
  while (true) {
    auto state = enroll(dir, params, http::perform);
    if (state.ok()) return {};
    if (state.status().code() != ErrorCode::unavailable) return state.status();
    auto delay = backoff.next();
    log::warn("agent.enroll_retrying",
              {{"error", state.status().message()}, {"delay_ms", static_cast<int64_t>(delay.count())}});
    if (!sleep_unless_interrupted(delay))
      return error(ErrorCode::unavailable, "interrupted before enrollment finished");
  }
}

corral::agent::v1::Hello make_hello(const HostInfo& host, const std::string& hostname,
                                    const corral::config::v1::AgentConfig& config) {
  corral::agent::v1::Hello hello;
  hello.set_agent_version(CORRAL_VERSION);
  hello.set_os_family(corral::agent::v1::OS_FAMILY_LINUX);
  hello.set_os_version(host.os_version);
  hello.set_hostname(hostname);
  for (const auto& address : host.addresses) hello.add_addresses(address);
  hello.mutable_labels()->insert(config.labels().begin(), config.labels().end());
  return hello;
}

}  // namespace

int run_agent(const AgentSettings& settings) {
  watch_for_interrupt();
  http::global_init();
  DataDir dir(settings.data_dir);
  HostInfo host = read_host_info();
  std::string hostname = settings.hostname.empty() ? host.hostname : settings.hostname;

  if (!is_enrolled(dir)) {
    if (Status s = enroll_with_retry(dir, settings, hostname); !s.ok()) {
      if (interrupted()) {
        log::info("agent.stopped", {{"reason", "interrupted before enrollment finished"}});
        return 0;
      }
      log::error("agent.enroll_failed", {{"error", s.message()}});
      return 1;
    }
  } else if (!settings.join_token.empty() || !settings.manager_url.empty()) {
    // Startup scripts pass the same flags on every boot; a used token must not stop the agent.
    log::info("agent.already_enrolled", {{"data_dir", dir.root}, {"note", "--manager and the join token are ignored"}});
  }
  if (interrupted()) return 0;

  auto credentials = load_credentials(dir);
  if (!credentials.ok()) {
    log::error("agent.data_dir_unusable", {{"error", credentials.status().message()}});
    return 1;
  }
  auto endpoint = parse_endpoint(credentials->state.agent_endpoint());
  if (!endpoint.ok()) {
    log::error("agent.data_dir_unusable", {{"error", endpoint.status().message()}});
    return 1;
  }

  SystemClock clock;
  auto backend = sessions::ManagedBackend::open(dir.sessions_path(), clock);
  if (!backend.ok()) {
    log::error("agent.data_dir_unusable", {{"error", backend.status().message()}});
    return 1;
  }

  RuntimeOptions options;
  options.hello = make_hello(host, hostname, settings.config);
  options.max_sessions = settings.config.max_sessions();
  options.endpoint = credentials->state.agent_endpoint();
  options.reconnect_cap = std::chrono::seconds(settings.config.max_reconnect_delay_seconds());
  AgentRuntime runtime(options, **backend, clock);

  LwsChannelOptions channel_options;
  channel_options.endpoint = *endpoint;
  channel_options.certificate_pem = credentials->certificate_pem;
  channel_options.private_key_pem = credentials->private_key_pem;
  channel_options.ca_pem = credentials->ca_pem;
  channel_options.max_message_bytes = kMaxMessageBytes;
  auto channel = LwsChannel::start(channel_options, &runtime);
  if (!channel.ok()) {
    log::error("agent.channel_failed", {{"error", channel.status().message()}});
    return 1;
  }
  log::info("agent.started", {{"version", CORRAL_VERSION},
                              {"agent_id", credentials->state.agent_id()},
                              {"endpoint", options.endpoint},
                              {"max_sessions", options.max_sessions},
                              {"sessions", runtime.host().capacity().sessions().size()}});
  if (interrupted()) return 0;
  runtime.run(**channel);
  (*channel)->stop();
  return 0;
}

}  // namespace corral::agent
