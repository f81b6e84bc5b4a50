// /api/v1/autoscale-configs through ApiServer on a real store: defaults, every validation path in
// one 400, references that must exist, fields of the other pool type, sealed and redacted
// passwords, compare-and-set updates, paging and the pool filter, and the 409 that keeps a pool
// in use from being deleted, and the LDAP config an AD config names: it must exist and cannot be
// deleted while named.
#include <google/protobuf/util/json_util.h>
#include <boost/asio/post.hpp>

#include "common/secret_box.h"
#include "corral/broker/v1/autoscale.pb.h"
#include "manager/api/ldap_config_check.h"
#include "manager/api/ldap_configs.h"
#include "manager/api/routes.h"
#include "manager/broker/broker.h"
#include "manager/fleet/agent_registry.h"
#include "tests/unit/manager/api/api_fixture.h"
#include "tests/unit/manager/fleet/fake_server_settings.h"
#include "tests/unit/manager/fleet/fake_transport.h"

namespace corral::manager {
namespace {

namespace brokerv1 = corral::broker::v1;

class AutoscaleConfigRoutesTest : public testing::ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    add_pool("p-srv", "desktops", store::PoolType::server);
    add_pool("p-dock", "containers", store::PoolType::docker_agent);
    store::ProviderConfigRecord pc;
    pc.id = "pc1";
    pc.name = "local";
    pc.plugin = "local";
    pc.config_json = "{}";
    ASSERT_TRUE(store_->provider_configs().insert(pc).ok());
    store::LdapConfigRecord ldap;
    ldap.id = "ldap-1";
    ldap.name = "corp";
    ldap.url = "ldaps://dc.example.com";
    ldap.bind_dn = "svc@example.com";
    ldap.bind_password_sealed = secrets_.seal("pw", api::ldap_bind_password_aad("ldap-1"));
    ldap.base_dn = "DC=example,DC=com";
    ldap.revision = 1;
    ASSERT_TRUE(store_->ldap_configs().insert(ldap).ok());
    workers::ExecutorSettings pools;
    pools.pools = {{workers::kDirectoryPool, 1}};
    workers_ = workers::Executor::start(std::move(pools), [this](std::function<void()> done) {
                 boost::asio::post(core_->io(), std::move(done));
               }).value();
    ldap_service_ = std::make_unique<LdapConfigService>(core_->store(), secrets_, clock_, *workers_);
    registry_ = std::make_unique<AgentRegistry>(core_->store(), clock_, RegistrySettings{}, transport_, events_,
                                                server_settings_);
    ASSERT_TRUE(registry_->load(*store_).ok());
    broker_ =
        std::make_unique<broker::Broker>(core_->store(), clock_, broker::BrokerSettings{}, *registry_, events_, table_);
    ASSERT_TRUE(broker_->load(*store_).ok());
    api::Router routes;
    api::add_pool_routes(routes, *broker_, core_->store(), clock_);
    api::add_autoscale_config_routes(routes, core_->store(), secrets_, clock_);
    api::add_ldap_config_routes(routes, *ldap_service_);
    server_ = std::make_unique<ApiServer>(std::move(routes), *auth_, users_);
  }
  void TearDown() override {
    workers_->shutdown();
    ApiFixture::TearDown();
  }

  void add_pool(const std::string& id, const std::string& name, store::PoolType type) {
    store::PoolRecord p;
    p.id = id;
    p.name = name;
    p.type = type;
    ASSERT_TRUE(store_->pools().insert(p).ok());
  }

  static brokerv1::AutoscaleConfig parse(const HttpResponse& r) {
    brokerv1::AutoscaleConfig out;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &out).ok()) << r.body;
    return out;
  }
  // The id of a server-pool config created from `extra` fields ("" for none) added to the minimum.
  std::string create(const std::string& name, const std::string& extra = "", const std::string& pool = "p-srv") {
    HttpResponse r =
        call(*server_, "POST", "/api/v1/autoscale-configs",
             R"({"name":")" + name + R"(","poolId":")" + pool + R"(","providerConfigId":"pc1","maxInstances":3)" +
                 (extra.empty() ? "" : "," + extra) + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return parse(r).id();
  }
  static void expect_paths(const HttpResponse& r, const std::vector<std::string>& paths) {
    EXPECT_EQ(r.status, 400) << r.body;
    for (const std::string& p : paths) {
      EXPECT_NE(r.body.find(R"("path":")" + p + "\""), std::string::npos) << p << " missing from " << r.body;
    }
  }

  SecretBox secrets_ = SecretBox::from_key(std::string(32, 'k')).value();
  testing::FakeTransport transport_;
  testing::FakeServerSettings server_settings_;
  FleetEvents events_;
  std::unique_ptr<AgentRegistry> registry_;
  broker::ServerSettingsTable table_;
  std::unique_ptr<broker::Broker> broker_;
  std::unique_ptr<workers::Executor> workers_;
  std::unique_ptr<LdapConfigService> ldap_service_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(AutoscaleConfigRoutesTest, ACreatedConfigHasItsDefaultsAndIsShownByIdOrName) {
  std::string id = create("east");
  ASSERT_FALSE(id.empty());
  HttpResponse shown = call(*server_, "GET", "/api/v1/autoscale-configs/east");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(header(shown, "ETag"), "\"1\"");
  brokerv1::AutoscaleConfig c = parse(shown);
  EXPECT_EQ(c.id(), id);
  EXPECT_EQ(c.pool_id(), "p-srv");
  EXPECT_TRUE(c.enabled());
  EXPECT_EQ(c.max_instances(), 3u);
  EXPECT_EQ(c.downscale_backoff_seconds(), 1800u);
  EXPECT_EQ(c.provision_timeout_seconds(), 600u);
  EXPECT_EQ(c.max_simultaneous_sessions_per_server(), 1u);
  EXPECT_TRUE(c.reusable());
  EXPECT_TRUE(c.require_checkin());
  EXPECT_EQ(c.connection_type(), brokerv1::CONNECTION_TYPE_RDP);
  EXPECT_EQ(c.connection_port(), 3389u);
  EXPECT_FALSE(c.has_connection_password());
  EXPECT_EQ(c.revision(), 1u);
  // A docker pool's config shows none of the server fields, so it can be sent back as it is.
  std::string docker = create(
      "dock",
      R"("standbyCores":2,"standbyMemoryMb":4096,"agentResourceOverrides":{"coresMilli":4000,"memoryBytes":8589934592})",
      "p-dock");
  HttpResponse d = call(*server_, "GET", "/api/v1/autoscale-configs/" + docker);
  EXPECT_EQ(d.body.find("reusable"), std::string::npos) << d.body;
  EXPECT_EQ(parse(d).standby_memory_mb(), 4096u);
  brokerv1::AutoscaleConfig back = parse(d);
  back.clear_id();
  back.clear_created_at();
  back.clear_updated_at();
  std::string body;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(back, &body).ok());
  EXPECT_EQ(call(*server_, "PUT", "/api/v1/autoscale-configs/" + docker, body).status, 200);
  EXPECT_EQ(call(*server_, "GET", "/api/v1/autoscale-configs/nope").status, 404);
}

TEST_F(AutoscaleConfigRoutesTest, EveryProblemIsNamedByItsPathInOneAnswer) {
  HttpResponse r = call(*server_, "POST", "/api/v1/autoscale-configs", R"({
    "id": "mine", "revision": 4, "createdAt": "2026-01-01T00:00:00Z",
    "poolId": "p-srv", "providerConfigId": "pc1", "maxInstances": 0,
    "downscaleBackoffSeconds": 9999999, "provisionTimeoutSeconds": 5,
    "schedules": [{"days": ["monday", "Funday", "monday"], "startTime": "9:00", "endTime": "24:30",
                   "timeZone": "Mars/Base"},
                  {"startTime": "10:00", "endTime": "10:00"}],
    "hostnamePattern": "much-too-long-{random}",
    "minimumAvailableSessions": 100001, "maxSimultaneousSessionsPerServer": 0,
    "connectionPort": 70000, "connectionInfo": "[1,2]",
    "adCreateMachineRecord": true, "adComputerContainerDn": "not a dn",
    "standbyCores": 2})");
  expect_paths(r, {"/id",
                   "/revision",
                   "/createdAt",
                   "/name",
                   "/maxInstances",
                   "/downscaleBackoffSeconds",
                   "/provisionTimeoutSeconds",
                   "/schedules/0/days/1",
                   "/schedules/0/days/2",
                   "/schedules/0/startTime",
                   "/schedules/0/endTime",
                   "/schedules/0/timeZone",
                   "/schedules/1/endTime",
                   "/schedules/1/timeZone",
                   "/hostnamePattern",
                   "/minimumAvailableSessions",
                   "/maxSimultaneousSessionsPerServer",
                   "/connectionPort",
                   "/connectionInfo",
                   "/ldapConfigId",
                   "/adComputerContainerDn",
                   "/standbyCores"});
  EXPECT_NE(r.body.find("the autoscale config has 22 problems"), std::string::npos) << r.body;
  EXPECT_EQ(call(*server_, "GET", "/api/v1/autoscale-configs").body.find("autoscaleConfigs"), std::string::npos);

  // Unknown fields are refused by name, before any check.
  HttpResponse unknown = call(*server_, "POST", "/api/v1/autoscale-configs", R"({"name":"x","minInstances":1})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("minInstances"), std::string::npos) << unknown.body;
}

TEST_F(AutoscaleConfigRoutesTest, ThePoolAndProviderConfigMustExistAndFieldsMustFitThePoolType) {
  expect_paths(call(*server_, "POST", "/api/v1/autoscale-configs",
                    R"({"name":"x","poolId":"gone","providerConfigId":"gone","maxInstances":1})"),
               {"/poolId", "/providerConfigId"});
  HttpResponse none = call(*server_, "POST", "/api/v1/autoscale-configs", R"({"name":"x","maxInstances":1})");
  expect_paths(none, {"/poolId", "/providerConfigId"});
  EXPECT_NE(none.body.find("is required"), std::string::npos);

  expect_paths(call(*server_, "POST", "/api/v1/autoscale-configs",
                    R"({"name":"x","poolId":"p-dock","providerConfigId":"pc1","maxInstances":1,
                        "minimumAvailableSessions":2,"reusable":false,"requireCheckin":true,
                        "connectionType":"CONNECTION_TYPE_SSH","connectionPassword":"pw","ldapConfigId":"l1"})"),
               {"/minimumAvailableSessions", "/reusable", "/requireCheckin", "/connectionType", "/connectionPassword",
                "/ldapConfigId"});
  expect_paths(call(*server_, "POST", "/api/v1/autoscale-configs",
                    R"({"name":"x","poolId":"p-srv","providerConfigId":"pc1","maxInstances":1,
                        "standbyMemoryMb":1,"standbyGpus":1,"agentResourceOverrides":{"gpus":1}})"),
               {"/standbyMemoryMb", "/standbyGpus", "/agentResourceOverrides"});
  // A standby the autoscaler could never meet: it would not know what a booting VM brings.
  HttpResponse sizeless = call(*server_, "POST", "/api/v1/autoscale-configs",
                               R"({"name":"x","poolId":"p-dock","providerConfigId":"pc1","maxInstances":1,
                                   "standbyCores":2,"standbyMemoryMb":1024,"standbyGpus":1,
                                   "agentResourceOverrides":{"memoryBytes":2147483648}})");
  expect_paths(sizeless, {"/agentResourceOverrides/coresMilli", "/agentResourceOverrides/gpus"});
  EXPECT_NE(sizeless.body.find("is required with standbyCores"), std::string::npos) << sizeless.body;
  EXPECT_EQ(sizeless.body.find("/agentResourceOverrides/memoryBytes"), std::string::npos) << sizeless.body;
  // A server without a checked-in agent takes no session in Corral: the setting is refused, not ignored.
  HttpResponse agentless = call(*server_, "POST", "/api/v1/autoscale-configs",
                                R"({"name":"x","poolId":"p-srv","providerConfigId":"pc1","maxInstances":1,
                                    "requireCheckin":false})");
  expect_paths(agentless, {"/requireCheckin"});
  EXPECT_NE(agentless.body.find("only through its agent"), std::string::npos) << agentless.body;

  create("east");
  HttpResponse taken = call(*server_, "POST", "/api/v1/autoscale-configs",
                            R"({"name":"east","poolId":"p-srv","providerConfigId":"pc1","maxInstances":1})");
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_NE(taken.body.find("already_exists"), std::string::npos);
}

TEST_F(AutoscaleConfigRoutesTest, SchedulesAndTheAdFieldsRoundTrip) {
  std::string id = create("night", R"("schedules":[{"days":["friday","monday"],"startTime":"22:00",
      "endTime":"06:00","timeZone":"Europe/Berlin"},{"startTime":"00:00","endTime":"24:00","timeZone":"UTC"}],
      "adCreateMachineRecord":true,"ldapConfigId":"ldap-1","adComputerContainerDn":"OU=VMs\\, Lab,DC=example,DC=com",
      "hostnamePattern":"lab-{random}")");
  brokerv1::AutoscaleConfig c = parse(call(*server_, "GET", "/api/v1/autoscale-configs/" + id));
  ASSERT_EQ(c.schedules_size(), 2);
  EXPECT_EQ(c.schedules(0).days_size(), 2);
  EXPECT_EQ(c.schedules(0).days(0), "monday");  // shown Monday first
  EXPECT_EQ(c.schedules(0).end_time(), "06:00");
  EXPECT_EQ(c.schedules(1).days_size(), 7);  // no days: every day
  EXPECT_EQ(c.schedules(1).end_time(), "24:00");
  EXPECT_EQ(c.ldap_config_id(), "ldap-1");
  EXPECT_EQ(c.ad_computer_container_dn(), "OU=VMs\\, Lab,DC=example,DC=com");
  EXPECT_EQ(c.hostname_pattern(), "lab-{random}");
}

TEST_F(AutoscaleConfigRoutesTest, ThePasswordIsSealedShownRedactedAndKeptOrRemovedByUpdates) {
  const std::string base = R"("name":"east","providerConfigId":"pc1","maxInstances":3)";
  std::string id = create("east", R"("connectionUsername":"{sso_username}","connectionPassword":"hunter2-secret")");
  HttpResponse shown = call(*server_, "GET", "/api/v1/autoscale-configs/" + id);
  EXPECT_EQ(shown.body.find("hunter2"), std::string::npos) << shown.body;
  EXPECT_EQ(parse(shown).connection_password(), "[redacted]");
  auto stored = store_->autoscale_configs().get(id).value().value();
  ASSERT_TRUE(SecretBox::looks_sealed(stored.connection_password_sealed));
  EXPECT_EQ(secrets_.open(stored.connection_password_sealed, store::autoscale_password_aad(id)).value(),
            "hunter2-secret");

  // "[redacted]" keeps it.
  HttpResponse kept =
      call(*server_, "PUT", "/api/v1/autoscale-configs/" + id, "{" + base + R"(,"connectionPassword":"[redacted]"})");
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ(store_->autoscale_configs().get(id).value()->connection_password_sealed, stored.connection_password_sealed);
  // The user's own credential is sealed like any other value.
  ASSERT_EQ(
      call(*server_, "PUT", "/api/v1/autoscale-configs/" + id, "{" + base + R"(,"connectionPassword":"{sso_cred}"})")
          .status,
      200);
  auto sso = store_->autoscale_configs().get(id).value().value();
  EXPECT_EQ(secrets_.open(sso.connection_password_sealed, store::autoscale_password_aad(id)).value(), "{sso_cred}");
  // "" removes it.
  HttpResponse removed =
      call(*server_, "PUT", "/api/v1/autoscale-configs/" + id, "{" + base + R"(,"connectionPassword":""})");
  ASSERT_EQ(removed.status, 200);
  EXPECT_FALSE(parse(removed).has_connection_password());
  EXPECT_TRUE(store_->autoscale_configs().get(id).value()->connection_password_sealed.empty());
  // A new config has nothing to keep.
  expect_paths(call(*server_, "POST", "/api/v1/autoscale-configs",
                    R"({"name":"x","poolId":"p-srv","providerConfigId":"pc1","maxInstances":1,
                        "connectionPassword":"[redacted]"})"),
               {"/connectionPassword"});
}

TEST_F(AutoscaleConfigRoutesTest, UpdatesAreCompareAndSetOnTheRevision) {
  std::string id = create("east");
  const std::string one = "/api/v1/autoscale-configs/" + id;
  const std::string body = R"({"name":"east","providerConfigId":"pc1","maxInstances":5)";
  HttpResponse first = call(*server_, "PUT", one, body + "}", "\"1\"");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(header(first, "ETag"), "\"2\"");
  EXPECT_EQ(parse(first).max_instances(), 5u);
  // Another client's update from revision 1 loses, by header or by body.
  HttpResponse stale_header = call(*server_, "PUT", one, body + "}", "\"1\"");
  EXPECT_EQ(stale_header.status, 412) << stale_header.body;
  HttpResponse stale_body = call(*server_, "PUT", one, body + R"(,"revision":1})");
  EXPECT_EQ(stale_body.status, 409) << stale_body.body;
  EXPECT_NE(stale_body.body.find("revision_conflict"), std::string::npos);
  EXPECT_EQ(store_->autoscale_configs().get(id).value()->revision, 2u);
  // Absent optional fields keep their stored value; the pool never changes.
  ASSERT_EQ(call(*server_, "PUT", one, body + R"(,"downscaleBackoffSeconds":60,"reusable":false})").status, 200);
  brokerv1::AutoscaleConfig kept = parse(call(*server_, "PUT", one, body + "}"));
  EXPECT_EQ(kept.downscale_backoff_seconds(), 60u);
  EXPECT_FALSE(kept.reusable());
  expect_paths(call(*server_, "PUT", one, body + R"(,"poolId":"p-dock"})"), {"/poolId"});
  expect_paths(call(*server_, "PUT", one, R"({"name":"east","providerConfigId":"gone","maxInstances":5})"),
               {"/providerConfigId"});
  EXPECT_EQ(call(*server_, "PUT", "/api/v1/autoscale-configs/nope", body + "}").status, 404);
}

TEST_F(AutoscaleConfigRoutesTest, ListPagesAndFiltersByPool) {
  std::string a = create("a");
  std::string b = create("b");
  std::string c = create("c", "", "p-dock");
  HttpResponse first = call(*server_, "GET", "/api/v1/autoscale-configs?pageSize=2");
  ASSERT_EQ(first.status, 200) << first.body;
  brokerv1::ListAutoscaleConfigsResponse page;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(first.body, &page).ok());
  EXPECT_EQ(page.autoscale_configs_size(), 2);
  ASSERT_FALSE(page.next_page_token().empty());
  HttpResponse second =
      call(*server_, "GET", "/api/v1/autoscale-configs?pageSize=2&pageToken=" + page.next_page_token());
  brokerv1::ListAutoscaleConfigsResponse rest;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(second.body, &rest).ok());
  EXPECT_EQ(rest.autoscale_configs_size(), 1);
  EXPECT_TRUE(rest.next_page_token().empty());

  brokerv1::ListAutoscaleConfigsResponse docker;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  call(*server_, "GET", "/api/v1/autoscale-configs?poolId=p-dock").body, &docker)
                  .ok());
  ASSERT_EQ(docker.autoscale_configs_size(), 1);
  EXPECT_EQ(docker.autoscale_configs(0).id(), c);
  EXPECT_EQ(call(*server_, "GET", "/api/v1/autoscale-configs?pool=p-dock").status, 400);
}

TEST_F(AutoscaleConfigRoutesTest, TheLdapConfigMustExistAndStaysWhileAConfigNamesIt) {
  const std::string ad = R"("adCreateMachineRecord":true,"adComputerContainerDn":"OU=VMs,DC=example,DC=com")";
  HttpResponse unknown = call(*server_, "POST", "/api/v1/autoscale-configs",
                              R"({"name":"x","poolId":"p-srv","providerConfigId":"pc1","maxInstances":1,)" + ad +
                                  R"(,"ldapConfigId":"ldap-gone"})");
  expect_paths(unknown, {"/ldapConfigId"});
  EXPECT_NE(unknown.body.find("no LDAP config ldap-gone"), std::string::npos) << unknown.body;

  std::string id = create("east", ad + R"(,"ldapConfigId":"ldap-1")");
  // An update is checked the same way.
  HttpResponse moved =
      call(*server_, "PUT", "/api/v1/autoscale-configs/" + id,
           R"({"name":"east","providerConfigId":"pc1","maxInstances":1,)" + ad + R"(,"ldapConfigId":"ldap-gone"})");
  expect_paths(moved, {"/ldapConfigId"});

  HttpResponse refused = call(*server_, "DELETE", "/api/v1/ldap-configs/ldap-1");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("LDAP config corp is used by autoscale config east"), std::string::npos) << refused.body;
  ASSERT_EQ(call(*server_, "DELETE", "/api/v1/autoscale-configs/" + id).status, 200);
  EXPECT_EQ(call(*server_, "DELETE", "/api/v1/ldap-configs/ldap-1").status, 200);
}

TEST_F(AutoscaleConfigRoutesTest, APoolWithConfigsIsNotDeletedAndADeletedConfigIsGone) {
  std::string id = create("east");
  HttpResponse refused = call(*server_, "DELETE", "/api/v1/pools/p-srv");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("autoscale config east"), std::string::npos) << refused.body;

  HttpResponse deleted = call(*server_, "DELETE", "/api/v1/autoscale-configs/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(parse(deleted).name(), "east");
  EXPECT_EQ(call(*server_, "DELETE", "/api/v1/autoscale-configs/" + id).status, 404);
  EXPECT_EQ(call(*server_, "DELETE", "/api/v1/pools/p-srv").status, 200);
}

}  // namespace
}  // namespace corral::manager
