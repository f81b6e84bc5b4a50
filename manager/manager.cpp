#include "manager/manager.h"

#include <filesystem>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "common/encoding.h"
#include "common/files.h"
#include "common/log.h"
#include "common/text.h"
#include "manager/api/gate_routes.h"
#include "manager/api/routes.h"
#include "manager/store/sqlite_store.h"

namespace corral::manager {
namespace {

// A reservation holds a slot nobody else can take: an hour is already far longer than a logon.
constexpr uint32_t kMaxReservationTimeoutSeconds = 3600;
// A user name and a password, with room to spare: nothing bigger is read before the token check.
constexpr uint32_t kLoginMaxBodyBytes = 16 * 1024;

bool is_wildcard(const std::string& host) { return host.empty() || host == "0.0.0.0" || host == "::" || host == "*"; }

std::string bracket_if_v6(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::string default_agent_endpoint(const corral::config::v1::ManagerConfig& c, const ListenAddress& agent, int port) {
  std::string host = is_wildcard(agent.host) ? c.server_names(0) : agent.host;
  return "wss://" + bracket_if_v6(host) + ":" + std::to_string(port) + "/agent/v1";
}

}  // namespace

Status apply_config_defaults(corral::config::v1::ManagerConfig* c) {
  if (c->api_listen().empty()) c->set_api_listen("127.0.0.1:8443");
  if (c->agent_listen().empty()) c->set_agent_listen("127.0.0.1:8444");
  if (c->server_names().empty()) {
    c->add_server_names("localhost");
    c->add_server_names("127.0.0.1");
  }
  if (c->heartbeat_interval_seconds() == 0) c->set_heartbeat_interval_seconds(10);
  if (c->join_token_ttl_seconds() == 0) c->set_join_token_ttl_seconds(3600);
  if (c->max_frame_bytes() == 0) c->set_max_frame_bytes(256 * 1024);
  if (c->max_pending_handshakes() == 0) c->set_max_pending_handshakes(256);
  if (c->shutdown_graceful_close_limit() == 0) c->set_shutdown_graceful_close_limit(1000);
  if (c->log_level().empty()) c->set_log_level("info");
  if (c->event_loop().empty()) c->set_event_loop("libev");
  if (c->agent_certificate_days() == 0) c->set_agent_certificate_days(365);
  if (c->command_timeout_seconds() == 0) c->set_command_timeout_seconds(60);
  if (c->api_max_body_bytes() == 0) c->set_api_max_body_bytes(1024 * 1024);
  if (c->enroll_max_body_bytes() == 0) c->set_enroll_max_body_bytes(64 * 1024);
  if (c->api_max_requests_in_flight() == 0) c->set_api_max_requests_in_flight(256);
  if (c->api_max_requests_per_client() == 0) c->set_api_max_requests_per_client(32);
  if (c->api_max_body_bytes_per_client() == 0) c->set_api_max_body_bytes_per_client(4 * 1024 * 1024);
  if (c->max_pending_handshakes_per_address() == 0) c->set_max_pending_handshakes_per_address(32);
  if (c->client_hello_timeout_seconds() == 0) c->set_client_hello_timeout_seconds(5);
  if (c->api_request_header_timeout_seconds() == 0) c->set_api_request_header_timeout_seconds(10);
  if (c->event_retention_days() == 0) c->set_event_retention_days(30);
  if (c->broker().reservation_timeout_seconds() == 0) c->mutable_broker()->set_reservation_timeout_seconds(60);
  if (c->workers().provider_threads() == 0) c->mutable_workers()->set_provider_threads(8);
  if (c->workers().directory_threads() == 0) c->mutable_workers()->set_directory_threads(2);
  auto* in = c->mutable_sign_in();
  if (in->token_lifetime_seconds() == 0) in->set_token_lifetime_seconds(3600);
  if (in->free_failures() == 0) in->set_free_failures(3);
  if (in->backoff_seconds() == 0) in->set_backoff_seconds(1);
  if (in->backoff_max_seconds() == 0) in->set_backoff_max_seconds(300);
  auto* a = c->mutable_autoscaler();
  if (a->tick_ms() == 0) a->set_tick_ms(10000);
  if (a->orphan_sweep_seconds() == 0) a->set_orphan_sweep_seconds(300);
  if (a->orphan_grace_seconds() == 0) a->set_orphan_grace_seconds(900);
  if (a->host_missing_expiration_seconds() == 0) a->set_host_missing_expiration_seconds(600);
  if (a->host_dead_expiration_seconds() == 0) a->set_host_dead_expiration_seconds(3600);
  if (a->failure_backoff_seconds() == 0) a->set_failure_backoff_seconds(30);
  if (a->failure_backoff_max_seconds() == 0) a->set_failure_backoff_max_seconds(1800);
  if (a->provider_call_timeout_seconds() == 0) a->set_provider_call_timeout_seconds(300);
  if (a->reconnect_grace_seconds() == 0) a->set_reconnect_grace_seconds(120);
  if (c->plugins().user().empty()) c->mutable_plugins()->set_user(providers::kDefaultPluginUser);
  for (auto& p : *c->mutable_plugins()->mutable_load()) {
    if (p.max_concurrent_calls() == 0)
      p.set_max_concurrent_calls(providers::ProviderRegistry::kDefaultMaxConcurrentCalls);
  }

  auto api = parse_listen_address(c->api_listen());
  if (!api.ok()) return error(ErrorCode::invalid_argument, "api_listen: " + api.status().message());
  auto agent = parse_listen_address(c->agent_listen());
  if (!agent.ok()) return error(ErrorCode::invalid_argument, "agent_listen: " + agent.status().message());
  if (c->event_loop() != "libev" && c->event_loop() != "poll") {
    return error(ErrorCode::invalid_argument, "event_loop must be 'libev' or 'poll', got '" + c->event_loop() + "'");
  }
  log::Level level;
  if (!log::parse_level(c->log_level(), &level)) {
    return error(ErrorCode::invalid_argument,
                 "log_level must be debug, info, warn or error, got '" + c->log_level() + "'");
  }
  if (c->max_frame_bytes() < 1024) return error(ErrorCode::invalid_argument, "max_frame_bytes must be at least 1024");
  if (c->broker().reservation_timeout_seconds() > kMaxReservationTimeoutSeconds) {
    return error(ErrorCode::invalid_argument,
                 "broker.reservation_timeout_seconds must be at most " + std::to_string(kMaxReservationTimeoutSeconds));
  }
  if (c->api_request_header_timeout_seconds() > 3600) {
    return error(ErrorCode::invalid_argument, "api_request_header_timeout_seconds must be at most 3600");
  }
  if (c->event_retention_days() > 3650) {
    return error(ErrorCode::invalid_argument, "event_retention_days must be at most 3650");
  }
  if (in->token_lifetime_seconds() > 86400) {
    return error(ErrorCode::invalid_argument, "sign_in.token_lifetime_seconds must be at most 86400");
  }
  if (in->backoff_max_seconds() < in->backoff_seconds()) {
    return error(ErrorCode::invalid_argument, "sign_in.backoff_max_seconds must be at least sign_in.backoff_seconds");
  }
  if (a->failure_backoff_max_seconds() < a->failure_backoff_seconds()) {
    return error(ErrorCode::invalid_argument,
                 "autoscaler.failure_backoff_max_seconds must be at least autoscaler.failure_backoff_seconds");
  }
  if (a->host_dead_expiration_seconds() < a->host_missing_expiration_seconds()) {
    return error(ErrorCode::invalid_argument,
                 "autoscaler.host_dead_expiration_seconds must be at least autoscaler.host_missing_expiration_seconds");
  }
  if (!c->downloads_dir().empty() && c->downloads_dir().front() != '/') {
    return error(ErrorCode::invalid_argument,
                 "downloads_dir must be an absolute path, got '" + c->downloads_dir() + "'");
  }
  if (c->api_max_body_bytes_per_client() < c->api_max_body_bytes()) {
    return error(ErrorCode::invalid_argument, "api_max_body_bytes_per_client must be at least api_max_body_bytes");
  }
  // With port 0 the endpoint is known once the listener is bound (Manager::open).
  if (c->agent_endpoint().empty() && agent->port != 0) {
    c->set_agent_endpoint(default_agent_endpoint(*c, *agent, agent->port));
  }
  return {};
}

Manager::Manager(std::string data_dir, corral::config::v1::ManagerConfig config)
    : data_dir_(std::move(data_dir)), config_(std::move(config)) {}

Manager::~Manager() {
  if (transport_) transport_->stop();
  if (workers_) workers_->shutdown();
  if (store_exec_) store_exec_->shutdown();
}

Result<std::unique_ptr<Manager>> Manager::create(const std::string& data_dir,
                                                 corral::config::v1::ManagerConfig config) {
  if (Status s = apply_config_defaults(&config); !s.ok()) return s;
  std::unique_ptr<Manager> m(new Manager(data_dir, std::move(config)));
  if (Status s = m->open(); !s.ok()) return s;
  return m;
}

Status Manager::open() {
  if (Status s = ensure_directory(data_dir_, 0700); !s.ok()) return s;
  if (Status s = check_private(data_dir_, "data directory"); !s.ok()) return s;
  if (file_exists(data_dir_ + "/corral.db")) {
    if (Status s = check_private(data_dir_ + "/corral.db", "store"); !s.ok()) return s;
  }
  auto store = store::SqliteStore::open(data_dir_ + "/corral.db");
  if (!store.ok()) return store.status();
  store_ = std::move(store).value();
  // SQLite is a local file: its work runs on the core, each turn's writes one commit (group commit,
  // docs/architecture.md "Store", docs/PERFORMANCE.md "Broker").
  store_exec_ =
      std::make_unique<store::StoreExecutor>(*store_, io_.get_executor(), store::StoreExecutor::Mode::grouped_on_core);

  std::vector<std::string> names(config_.server_names().begin(), config_.server_names().end());
  auto pki = load_or_create_pki(data_dir_, names);
  if (!pki.ok()) return pki.status();
  pki_ = std::make_unique<ManagerPki>(std::move(pki).value());

  auth_ = std::make_unique<AdminAuth>();
  if (Status s = auth_->initialize(*store_, data_dir_ + "/admin.token", clock_); !s.ok()) return s;
  users_ = std::make_unique<UserAuth>(clock_, std::chrono::seconds(config_.sign_in().token_lifetime_seconds()));

  // The API gate runs on the network thread: public routes pass, everything else needs an admin
  // or a user token before its body is read (the core answers a user token 403 where it may not go). The core checks
  // again (ApiServer); check_gate_matches_routes below keeps the two lists of public routes the same.
  gate_ = std::make_unique<BearerTokenGate>(
      std::vector<BearerTokenGate::PublicRoute>{{"GET", "/healthz", 0},
                                                {"GET", "/api/v1/enroll/ca", 0},
                                                {"POST", "/api/v1/enroll", config_.enroll_max_body_bytes()},
                                                {"GET", "/downloads", 0},
                                                {"HEAD", "/downloads", 0},
                                                {"GET", "/downloads/{name}", 0},
                                                {"HEAD", "/downloads/{name}", 0},
                                                {"POST", "/api/v1/auth/login", kLoginMaxBodyBytes}},
      [auth = auth_.get(), users = users_.get()](std::string_view header) {
        return auth->authorize(header) || users->authenticate(header) != nullptr;
      });

  LwsTransportOptions t;
  t.api = parse_listen_address(config_.api_listen()).value();
  t.agent = parse_listen_address(config_.agent_listen()).value();
  t.server_certificate_pem = pki_->server_certificate_pem;
  t.server_private_key_pem = pki_->server_private_key_pem;
  t.ca_certificate_pem = pki_->ca.certificate_pem();
  t.max_frame_bytes = config_.max_frame_bytes();
  t.gate = gate_.get();
  t.http.max_body_bytes = config_.api_max_body_bytes();
  t.http.max_in_flight = config_.api_max_requests_in_flight();
  t.http.max_requests_per_client = config_.api_max_requests_per_client();
  t.http.max_body_bytes_per_client = config_.api_max_body_bytes_per_client();
  t.max_pending_handshakes = config_.max_pending_handshakes();
  t.max_pending_handshakes_per_address = config_.max_pending_handshakes_per_address();
  t.client_hello_timeout_seconds = config_.client_hello_timeout_seconds();
  t.api_request_header_timeout_seconds = config_.api_request_header_timeout_seconds();
  t.graceful_close_limit = config_.shutdown_graceful_close_limit();
  t.event_loop = config_.event_loop() == "poll" ? EventLoop::poll : EventLoop::libev;
  auto revoked = store_->agents().list_revoked_serials();
  if (!revoked.ok()) return revoked.status();
  t.revoked_serials = std::move(revoked).value();
  ListenAddress agent_listen = t.agent;
  transport_ = std::make_unique<LwsTransport>(std::move(t), *this);
  // Bound now, so that with agent_listen port 0 the endpoint given to agents at enrollment names
  // the bound port. Nothing the network thread posts runs before run() starts the core.
  if (Status s = transport_->start(); !s.ok()) return s;
  if (config_.agent_endpoint().empty()) {
    config_.set_agent_endpoint(default_agent_endpoint(config_, agent_listen, transport_->agent_port()));
  }

  RegistrySettings rs;
  rs.heartbeat_interval_seconds = config_.heartbeat_interval_seconds();
  rs.command_timeout = std::chrono::seconds(config_.command_timeout_seconds());
  rs.manager_version = CORRAL_VERSION;
  registry_ = std::make_unique<AgentRegistry>(*store_exec_, clock_, rs, *transport_, fleet_events_, server_settings_);
  if (Status s = registry_->load(*store_); !s.ok()) return s;

  broker::BrokerSettings bs;
  bs.reservation_timeout = std::chrono::seconds(config_.broker().reservation_timeout_seconds());
  broker_ = std::make_unique<broker::Broker>(*store_exec_, clock_, bs, *registry_, fleet_events_, server_settings_);
  // Before the core runs, so the first Welcome already carries its server's settings.
  if (Status s = broker_->load(*store_); !s.ok()) return s;

  EnrollmentSettings es;
  es.default_token_ttl_seconds = config_.join_token_ttl_seconds();
  es.agent_certificate_days = static_cast<int>(config_.agent_certificate_days());
  es.agent_endpoint = config_.agent_endpoint();
  // The broker hears of each agent bound to a server at enrollment before that agent's Welcome.
  enrollment_ = std::make_unique<Enrollment>(*store_exec_, pki_->ca, clock_, es, *broker_);

  // Plugins and corral-plugin-host are installed beside the manager: bin/ and lib/corral/plugins.
  std::error_code ec;
  std::filesystem::path bin = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  auto providers = providers::ProviderRegistry::load(config_.plugins(), (bin / "../lib/corral/plugins").string(),
                                                     (bin / "corral-plugin-host").string(), data_dir_);
  if (!providers.ok()) return providers.status();
  providers_ = std::move(providers).value();

  auto secrets = SecretBox::open_or_create(data_dir_ + "/master.key");
  if (!secrets.ok()) return secrets.status();
  secrets_ = std::make_unique<SecretBox>(std::move(secrets).value());
  workers::ExecutorSettings pools;
  pools.pools = {{workers::kProviderPool, config_.workers().provider_threads()},
                 {workers::kDirectoryPool, config_.workers().directory_threads()},
                 {api::kDownloadsPool, 2}};
  pools.limits[kSignInLimitKey] = std::max<size_t>(1, config_.workers().directory_threads() - 1);
  for (const auto& [name, entry] : providers_->entries()) {
    pools.limits[workers::plugin_limit_key(name)] = entry.max_concurrent_calls;
  }
  auto executor = workers::Executor::start(
      std::move(pools), [this](std::function<void()> done) { boost::asio::post(io_, std::move(done)); });
  if (!executor.ok()) return executor.status();
  workers_ = std::move(executor).value();
  // Like the plugins, the files new VMs download are found beside bin/ unless configured.
  downloads_ = std::make_unique<api::DownloadCatalog>(
      config_.downloads_dir().empty() ? (bin / "../share/corral/downloads").lexically_normal().string()
                                      : config_.downloads_dir());
  provider_configs_ = std::make_unique<ProviderConfigService>(*store_exec_, *secrets_, *providers_, clock_, *workers_);
  ldap_configs_ = std::make_unique<LdapConfigService>(*store_exec_, *secrets_, clock_, *workers_);
  SignInLimits limits;
  limits.free_failures = static_cast<int>(config_.sign_in().free_failures());
  limits.backoff = std::chrono::seconds(config_.sign_in().backoff_seconds());
  limits.backoff_max = std::chrono::seconds(config_.sign_in().backoff_max_seconds());
  sign_in_ = std::make_unique<SignInService>(*store_exec_, *secrets_, clock_, *workers_, *users_, limits);
  if (Status s = open_autoscaler(); !s.ok()) return s;

  api::Router routes;
  api::add_health_routes(routes, *registry_, CORRAL_VERSION);
  api::add_enrollment_routes(routes, *enrollment_, *registry_, pki_->ca.certificate_pem(), *broker_);
  api::add_agent_routes(routes, *registry_);
  api::add_plugin_routes(routes, *providers_);
  api::add_provider_config_routes(routes, *provider_configs_);
  api::add_ldap_config_routes(routes, *ldap_configs_);
  api::add_sign_in_routes(routes, *sign_in_);
  api::add_admin_token_routes(routes, *store_exec_, *auth_, clock_);
  api::add_pool_routes(routes, *broker_, *store_exec_, clock_);
  api::add_server_routes(routes, *broker_, *store_exec_, *secrets_, clock_);
  api::add_workspace_routes(routes, *broker_, *store_exec_, clock_);
  api::add_autoscale_config_routes(routes, *store_exec_, *secrets_, clock_,
                                   [this](const std::string& id) { autoscaler_->config_changed(id); });
  api::add_session_routes(routes, *broker_, *store_exec_);
  api::add_event_routes(routes, *store_exec_);
  api::add_download_routes(routes, *downloads_, *workers_);
  if (Status s = api::check_gate_matches_routes(*gate_, routes); !s.ok()) return s;
  api_ = std::make_unique<ApiServer>(std::move(routes), *auth_, *users_);
  return {};
}

Status Manager::open_autoscaler() {
  const auto& a = config_.autoscaler();
  autoscaler::AutoscalerSettings as;
  as.manager_id = a.manager_id();
  if (as.manager_id.empty()) {
    // Each manager's own: it marks the VMs it creates, so another manager's are never its orphans.
    const std::string path = data_dir_ + "/manager.id";
    if (file_exists(path)) {
      auto id = read_file(path);
      if (!id.ok()) return id.status();
      as.manager_id = std::string(trim_whitespace(*id));
    }
    if (as.manager_id.empty()) {
      as.manager_id = random_uuid();
      if (Status s = write_file_atomic(path, as.manager_id + "\n", 0600); !s.ok()) return s;
    }
  }
  if (config_.api_url().empty()) {
    const ListenAddress api = parse_listen_address(config_.api_listen()).value();
    const std::string host = is_wildcard(api.host) ? config_.server_names(0) : api.host;
    config_.set_api_url("https://" + bracket_if_v6(host) + ":" + std::to_string(transport_->api_port()));
  }
  as.manager_url = config_.api_url();
  as.ca_sha256 = enrollment_->ca_sha256();
  as.tick = std::chrono::milliseconds(a.tick_ms());
  as.orphan_sweep_interval = std::chrono::seconds(a.orphan_sweep_seconds());
  as.orphan_grace_ms = int64_t{a.orphan_grace_seconds()} * 1000;
  as.host_missing_expiration_ms = int64_t{a.host_missing_expiration_seconds()} * 1000;
  as.host_dead_expiration_ms = int64_t{a.host_dead_expiration_seconds()} * 1000;
  as.reconnect_grace_ms = int64_t{a.reconnect_grace_seconds()} * 1000;
  as.failure_backoff_base_ms = int64_t{a.failure_backoff_seconds()} * 1000;
  as.failure_backoff_max_ms = int64_t{a.failure_backoff_max_seconds()} * 1000;
  vm_gateway_ = std::make_unique<autoscaler::ProviderGateway>(*store_exec_, *secrets_, *providers_, *workers_,
                                                              std::chrono::seconds(a.provider_call_timeout_seconds()));
  record_gateway_ = std::make_unique<autoscaler::LdapRecordGateway>(*store_exec_, *secrets_, *workers_, as.manager_id);
  autoscaler_ = std::make_unique<autoscaler::Autoscaler>(io_, *store_exec_, *broker_, *vm_gateway_, *record_gateway_,
                                                         *secrets_, clock_, as);
  autoscaler_->set_plugin_variables([providers = providers_.get()](const std::string& plugin) {
    std::set<std::string> names;
    if (auto client = providers->find(plugin)) {
      const auto& offered = client->description().capabilities().template_variables();
      names.insert(offered.begin(), offered.end());
    }
    return names;
  });
  return autoscaler_->load(*store_);
}

Status Manager::run() {
  boost::asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info("manager.stopping", {{"signal", signal}});
    stop();
  });
  schedule_sweep();
  schedule_token_sweep();
  autoscaler_->start();
  // Tests and scripts that start the manager on port 0 read the ports from this line.
  log::info("manager.listening", {{"api_port", transport_->api_port()}, {"agent_port", transport_->agent_port()}});
  log::info("manager.started", {{"version", CORRAL_VERSION},
                                {"data_dir", data_dir_},
                                {"api_listen", config_.api_listen()},
                                {"agent_listen", config_.agent_listen()},
                                {"agent_endpoint", config_.agent_endpoint()},
                                {"downloads_dir", downloads_->dir()},
                                {"ca_sha256", enrollment_->ca_sha256()}});
  io_.run();

  // The network thread may still post; stop it before the core's objects go away. Queued provider
  // calls are dropped, running ones are cancelled and waited for; their answers are not delivered.
  transport_->stop();
  if (workers_) workers_->shutdown();
  registry_->sweep(/*flush_now=*/true);
  // Accepted store work (the last-seen batch just queued, a revocation) finishes; no answer is
  // delivered any more, since the core has stopped.
  store_exec_->shutdown();
  log::info("manager.stopped");
  return {};
}

void Manager::stop() {
  boost::asio::post(io_, [this] {
    if (autoscaler_) autoscaler_->stop();
    sweep_timer_.cancel();
    token_sweep_timer_.cancel();
    io_.stop();
  });
}

void Manager::schedule_sweep() {
  // Liveness is judged in whole heartbeat intervals; a second of resolution is plenty.
  sweep_timer_.expires_after(std::chrono::seconds(1));
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    registry_->sweep();
    broker_->sweep();
    schedule_sweep();
  });
}

void Manager::schedule_token_sweep() {
  // Expired join tokens are useless and each holds a row; an hourly sweep keeps the table to the
  // tokens that can still be used plus the record of used ones. Old events go the same way.
  enrollment_->delete_expired_tokens([](const Result<int>& deleted) {
    if (!deleted.ok()) log::error("join_token.sweep_failed", {{"error", deleted.status().to_string()}});
  });
  // Events past their retention go in the same hourly pass.
  const auto cut = clock_.now() - std::chrono::hours(24) * config_.event_retention_days();
  const int64_t cut_ms = std::chrono::duration_cast<std::chrono::milliseconds>(cut.time_since_epoch()).count();
  store_exec_->submit([cut_ms](store::Store& s) { return s.events().delete_before(cut_ms); },
                      [](const Result<int>& deleted) {
                        if (!deleted.ok()) {
                          log::error("event.retention_failed", {{"error", deleted.status().to_string()}});
                        } else if (*deleted > 0) {
                          log::info("event.retention", {{"deleted", *deleted}});
                        }
                      });
  token_sweep_timer_.expires_after(std::chrono::hours(1));
  token_sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) schedule_token_sweep();
  });
}

void Manager::on_agent_connected(ConnId conn, const std::string& agent_id, const std::string& serial,
                                 const std::string& peer) {
  boost::asio::post(io_,
                    [this, conn, agent_id, serial, peer] { registry_->on_connected(conn, agent_id, serial, peer); });
}

void Manager::on_agent_envelope(ConnId conn, corral::agent::v1::Envelope envelope) {
  boost::asio::post(io_, [this, conn, e = std::move(envelope)] { registry_->on_envelope(conn, e); });
}

void Manager::on_agent_closed(ConnId conn, const std::string& reason) {
  boost::asio::post(io_, [this, conn, reason] { registry_->on_closed(conn, reason); });
}

void Manager::on_agent_events(std::vector<AgentEvent> events) {
  boost::asio::post(io_, [this, events = std::move(events)]() mutable {
    for (AgentEvent& e : events) {
      if (auto* c = std::get_if<AgentConnected>(&e)) {
        registry_->on_connected(c->conn, c->agent_id, c->certificate_serial, c->peer_address);
      } else if (auto* m = std::get_if<AgentEnvelope>(&e)) {
        registry_->on_envelope(m->conn, m->envelope);
      } else {
        auto& x = std::get<AgentClosed>(e);
        registry_->on_closed(x.conn, x.reason);
      }
    }
  });
}

void Manager::on_http_request(ConnId conn, HttpRequest request) {
  boost::asio::post(io_, [this, conn, r = std::move(request)] {
    api_->handle(r, [this, conn](HttpResponse response) { transport_->send_http_response(conn, std::move(response)); });
  });
}

}  // namespace corral::manager
