#include "manager/manager.h"

#include <filesystem>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "common/files.h"
#include "common/log.h"
#include "manager/store/sqlite_store.h"

namespace corral::manager {
namespace {

bool is_wildcard(const std::string& host) { return host.empty() || host == "0.0.0.0" || host == "::" || host == "*"; }

std::string bracket_if_v6(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
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

  auto api = parse_listen_address(c->api_listen());
  if (!api.ok()) return error(ErrorCode::invalid_argument, "api_listen: " + api.status().message());
  auto agent = parse_listen_address(c->agent_listen());
  if (!agent.ok()) return error(ErrorCode::invalid_argument, "agent_listen: " + agent.status().message());
  if (c->event_loop() != "libev" && c->event_loop() != "poll") {
    return error(ErrorCode::invalid_argument, "event_loop must be 'libev' or 'poll', got '" + c->event_loop() + "'");
  }
  log::Level level;
  if (!log::parse_level(c->log_level(), &level)) {
    return error(ErrorCode::invalid_argument, "log_level must be debug, info, warn or error, got '" + c->log_level() + "'");
  }
  if (c->max_frame_bytes() < 1024) return error(ErrorCode::invalid_argument, "max_frame_bytes must be at least 1024");
  if (c->agent_endpoint().empty()) {
    std::string host = is_wildcard(agent->host) ? c->server_names(0) : agent->host;
    c->set_agent_endpoint("wss://" + bracket_if_v6(host) + ":" + std::to_string(agent->port) + "/agent/v1");
  }
  return {};
}

Manager::Manager(std::string data_dir, corral::config::v1::ManagerConfig config)
    : data_dir_(std::move(data_dir)), config_(std::move(config)) {}

Manager::~Manager() {
  if (transport_) transport_->stop();
  if (workers_) workers_->join();
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

  std::vector<std::string> names(config_.server_names().begin(), config_.server_names().end());
  auto pki = load_or_create_pki(data_dir_, names);
  if (!pki.ok()) return pki.status();
  pki_ = std::make_unique<ManagerPki>(std::move(pki).value());

  auth_ = std::make_unique<AdminAuth>(*store_);
  if (Status s = auth_->initialize(data_dir_ + "/admin.token", clock_); !s.ok()) return s;

  registry_ = std::make_unique<AgentRegistry>(
      *store_, clock_, RegistrySettings{config_.heartbeat_interval_seconds(), 3, CORRAL_VERSION});
  if (Status s = registry_->load(); !s.ok()) return s;

  EnrollmentSettings es;
  es.default_token_ttl_seconds = config_.join_token_ttl_seconds();
  es.agent_certificate_days = static_cast<int>(config_.agent_certificate_days());
  es.agent_endpoint = config_.agent_endpoint();
  enrollment_ = std::make_unique<Enrollment>(*store_, pki_->ca, clock_, es);
  api_ = std::make_unique<ApiServer>(*registry_, *enrollment_, *auth_, pki_->ca.certificate_pem(), CORRAL_VERSION);

  // Plugins and corral-plugin-host are installed beside the manager: bin/ and lib/corral/plugins.
  std::error_code ec;
  std::filesystem::path bin = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  auto providers = providers::ProviderRegistry::load(config_.plugins(), (bin / "../lib/corral/plugins").string(),
                                                     (bin / "corral-plugin-host").string());
  if (!providers.ok()) return providers.status();
  providers_ = std::move(providers).value();
  api_->set_providers(providers_.get());

  auto secrets = SecretBox::open_or_create(data_dir_ + "/master.key");
  if (!secrets.ok()) return secrets.status();
  secrets_ = std::make_unique<SecretBox>(std::move(secrets).value());
  workers_ = std::make_unique<boost::asio::thread_pool>(4);
  provider_configs_ = std::make_unique<ProviderConfigService>(
      *store_, *secrets_, *providers_, clock_,
      [this](std::function<void()> job) { boost::asio::post(*workers_, std::move(job)); },
      [this](std::function<void()> job) { boost::asio::post(io_, std::move(job)); });
  api_->set_provider_configs(provider_configs_.get());
  return {};
}

Status Manager::run() {
  LwsTransportOptions t;
  t.api = parse_listen_address(config_.api_listen()).value();
  t.agent = parse_listen_address(config_.agent_listen()).value();
  t.server_certificate_pem = pki_->server_certificate_pem;
  t.server_private_key_pem = pki_->server_private_key_pem;
  t.ca_certificate_pem = pki_->ca.certificate_pem();
  t.max_frame_bytes = config_.max_frame_bytes();
  t.max_pending_handshakes = config_.max_pending_handshakes();
  t.graceful_close_limit = config_.shutdown_graceful_close_limit();
  t.event_loop = config_.event_loop() == "poll" ? EventLoop::poll : EventLoop::libev;
  auto revoked = store_->list_revoked_serials();
  if (!revoked.ok()) return revoked.status();
  t.revoked_serials = std::move(revoked).value();

  auto transport = LwsTransport::start(t, this);
  if (!transport.ok()) return transport.status();
  transport_ = std::move(transport).value();
  registry_->set_transport(transport_.get());

  boost::asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info("manager.stopping", {{"signal", signal}});
    stop();
  });
  schedule_sweep();
  log::info("manager.started", {{"version", CORRAL_VERSION},
                                {"data_dir", data_dir_},
                                {"api_listen", config_.api_listen()},
                                {"agent_listen", config_.agent_listen()},
                                {"agent_endpoint", config_.agent_endpoint()},
                                {"ca_sha256", enrollment_->ca_sha256()}});
  io_.run();

  // The network thread may still post; stop it before the core's objects go away. Provider calls
  // still running finish on the workers; their answers are not delivered.
  transport_->stop();
  if (workers_) workers_->join();
  registry_->sweep(/*flush_now=*/true);
  log::info("manager.stopped");
  return {};
}

void Manager::stop() {
  boost::asio::post(io_, [this] {
    sweep_timer_.cancel();
    io_.stop();
  });
}

void Manager::schedule_sweep() {
  // Liveness is judged in whole heartbeat intervals; a second of resolution is plenty.
  sweep_timer_.expires_after(std::chrono::seconds(1));
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    registry_->sweep();
    schedule_sweep();
  });
}

void Manager::on_agent_connected(ConnId conn, const std::string& agent_id, const std::string& serial,
                                 const std::string& peer) {
  boost::asio::post(io_, [this, conn, agent_id, serial, peer] { registry_->on_connected(conn, agent_id, serial, peer); });
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
    api_->handle_async(r, [this, conn](HttpResponse response) { transport_->send_http_response(conn, std::move(response)); });
  });
}

}  // namespace corral::manager
