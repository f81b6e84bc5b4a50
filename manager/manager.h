// corral-manager's top level: opens the store and the PKI, wires the fleet, broker, enrollment and API
// components onto the core (one Asio io_context thread, which owns all state), and starts the
// network thread. The network thread reaches the core only through TransportSink, which posts.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "common/secret_box.h"
#include "corral/config/v1/config.pb.h"
#include "manager/api/admin_auth.h"
#include "manager/api/api_server.h"
#include "manager/api/download_catalog.h"
#include "manager/api/ldap_configs.h"
#include "manager/api/provider_configs.h"
#include "manager/api/sign_in.h"
#include "manager/api/user_auth.h"
#include "manager/autoscaler/autoscaler.h"
#include "manager/autoscaler/ldap_record_gateway.h"
#include "manager/autoscaler/provider_gateway.h"
#include "manager/broker/broker.h"
#include "manager/broker/server_settings_table.h"
#include "manager/fleet/agent_registry.h"
#include "manager/fleet/enrollment.h"
#include "manager/fleet/pki.h"
#include "manager/net/lws_transport.h"
#include "manager/net/request_gate.h"
#include "manager/providers/host_launch.h"
#include "manager/providers/provider_registry.h"
#include "manager/store/store.h"
#include "manager/store/store_executor.h"
#include "manager/workers/executor.h"

namespace corral::manager {

// Fills unset fields with defaults and checks the rest; errors name the field.
Status apply_config_defaults(corral::config::v1::ManagerConfig* config);

class Manager final : public TransportSink {
 public:
  static Result<std::unique_ptr<Manager>> create(const std::string& data_dir, corral::config::v1::ManagerConfig config);
  ~Manager() override;

  // Serves until SIGINT/SIGTERM or stop(); returns once everything is closed.
  Status run();
  // Any thread.
  void stop();

  void on_agent_connected(ConnId conn, const std::string& agent_id, const std::string& certificate_serial,
                          const std::string& peer_address) override;
  void on_agent_envelope(ConnId conn, corral::agent::v1::Envelope envelope) override;
  void on_agent_closed(ConnId conn, const std::string& reason) override;
  void on_agent_events(std::vector<AgentEvent> events) override;
  void on_http_request(ConnId conn, HttpRequest request) override;

 private:
  Manager(std::string data_dir, corral::config::v1::ManagerConfig config);
  Status open();
  Status open_autoscaler();
  void schedule_sweep();
  void schedule_token_sweep();

  std::string data_dir_;
  corral::config::v1::ManagerConfig config_;
  SystemClock clock_;
  boost::asio::io_context io_;
  boost::asio::steady_timer sweep_timer_{io_};
  boost::asio::steady_timer token_sweep_timer_{io_};
  std::unique_ptr<store::Store> store_;
  // How the core reaches the store at run time; closed before the components it calls back go.
  std::unique_ptr<store::StoreExecutor> store_exec_;
  std::unique_ptr<ManagerPki> pki_;
  std::unique_ptr<AdminAuth> auth_;
  // Signed-in directory users' tokens; the gate reads them too, so declared before it.
  std::unique_ptr<UserAuth> users_;
  std::unique_ptr<BearerTokenGate> gate_;  // the transport calls it: declared before it
  // Built and bound before the components that send through it; what it receives waits for run().
  std::unique_ptr<LwsTransport> transport_;
  FleetEvents fleet_events_;
  // What every Welcome carries for the server an agent backs: the registry reads it, the broker
  // keeps it, so it is built before both.
  broker::ServerSettingsTable server_settings_;
  std::unique_ptr<AgentRegistry> registry_;
  // Subscribed to fleet_events_ and commanding through registry_: declared after both.
  std::unique_ptr<broker::Broker> broker_;
  std::unique_ptr<Enrollment> enrollment_;
  std::unique_ptr<providers::ProviderRegistry> providers_;
  std::unique_ptr<SecretBox> secrets_;
  // What /downloads/ serves; its jobs run on workers_, which is joined before this goes.
  std::unique_ptr<api::DownloadCatalog> downloads_;
  // Blocking provider calls (plugins talk to clouds) run here, never on the core or network threads.
  std::unique_ptr<workers::Executor> workers_;
  std::unique_ptr<ProviderConfigService> provider_configs_;
  std::unique_ptr<LdapConfigService> ldap_configs_;
  std::unique_ptr<SignInService> sign_in_;
  // Calls providers on workers_ and commands servers through broker_: declared after both.
  std::unique_ptr<autoscaler::ProviderGateway> vm_gateway_;
  std::unique_ptr<autoscaler::LdapRecordGateway> record_gateway_;
  std::unique_ptr<autoscaler::Autoscaler> autoscaler_;
  std::unique_ptr<ApiServer> api_;
};

}  // namespace corral::manager
