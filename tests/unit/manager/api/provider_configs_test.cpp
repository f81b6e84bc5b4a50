// /api/v1/provider-configs handlers with a fake plugin that the test can hold inside ValidateConfig and
// the real worker executor, so the interleavings of two requests are chosen by the test, not timing.
#include "manager/api/provider_configs.h"

#include <google/protobuf/util/json_util.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <condition_variable>
#include <mutex>

#include "manager/api/routes.h"
#include "tests/unit/manager/api/api_fixture.h"

namespace corral::manager {
namespace {

namespace pv1 = corral::provider::v1;

// ValidateConfig answers at once, or, while held, waits until the test lets calls through, so the
// test decides how two requests interleave without any timing.
class FakePlugin final : public providers::ProviderClient {
 public:
  FakePlugin() {
    d_.set_name("fake");
    d_.set_version("1.0");
    d_.set_config_schema_json(R"({"type": "object", "additionalProperties": false,
      "properties": {"region": {"type": "string"}, "key": {"type": "string", "writeOnly": true}}})");
  }
  const pv1::DescribeResponse& description() const override { return d_; }
  Result<std::string> invoke(corral_method, const std::string&, const providers::CallOptions&) override {
    std::unique_lock lock(mu_);
    ++calls_;
    ++inside_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !held_ || released_ > 0; });
    if (held_) --released_;
    --inside_;
    return pv1::ValidateConfigResponse().SerializeAsString();
  }

  void hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  // Lets `n` held calls return.
  void release(int n) {
    std::lock_guard lock(mu_);
    released_ += n;
    cv_.notify_all();
  }
  // Waits until `n` calls are inside the plugin at once.
  void wait_inside(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return inside_ >= n; });
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  pv1::DescribeResponse d_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  int released_ = 0;
  int inside_ = 0;
  int calls_ = 0;
};

class FakeProviders final : public providers::ProviderSet {
 public:
  std::shared_ptr<providers::ProviderClient> find(std::string_view name) const override {
    return name == "fake" ? plugin : nullptr;
  }
  std::vector<std::string> names() const override { return {"fake"}; }
  std::shared_ptr<FakePlugin> plugin = std::make_shared<FakePlugin>();
};

class ProviderConfigsTest : public testing::ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    secrets_ = std::make_unique<SecretBox>(SecretBox::from_key(std::string(32, 'k')).value());
    workers::ExecutorSettings pools;
    pools.pools = {{workers::kProviderPool, 2}};
    pools.limits[workers::plugin_limit_key("fake")] = plugin_limit();
    workers_ = workers::Executor::start(std::move(pools), [this](std::function<void()> done) {
                 boost::asio::post(core_->io(), std::move(done));
               }).value();
    service_ = std::make_unique<ProviderConfigService>(core_->store(), *secrets_, providers_, clock_, *workers_);
    api::Router routes;
    api::add_provider_config_routes(routes, *service_);
    server_ = std::make_unique<ApiServer>(std::move(routes), *auth_, users_);
  }
  void TearDown() override {
    providers_.plugin->release(1000);
    workers_->shutdown();
    ApiFixture::TearDown();
  }
  virtual size_t plugin_limit() const { return 2; }

  // Starts a request; its answer lands in the returned slot once the core has run far enough.
  std::shared_ptr<std::optional<HttpResponse>> start(const std::string& method, const std::string& target,
                                                     const std::string& body, const std::string& if_match = "") {
    auto slot = std::make_shared<std::optional<HttpResponse>>();
    server_->handle(request(method, target, body, if_match), [slot](HttpResponse r) { *slot = std::move(r); });
    core_->drain();
    return slot;
  }
  // Runs the core, waiting for what the workers post, until the request is answered.
  HttpResponse finish(const std::shared_ptr<std::optional<HttpResponse>>& slot) {
    auto guard = boost::asio::make_work_guard(core_->io());
    core_->io().restart();
    while (!slot->has_value()) core_->io().run_one();
    return **slot;
  }
  corral::api::v1::ProviderConfig parse(const HttpResponse& r) {
    corral::api::v1::ProviderConfig out;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &out).ok()) << r.body;
    return out;
  }
  std::string create(const std::string& name) {
    HttpResponse r =
        finish(start("POST", "/api/v1/provider-configs",
                     R"({"name": ")" + name + R"(", "plugin": "fake", "config": {"region": "eu", "key": "s3cret"}})"));
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(header(r, "ETag"), "\"1\"");
    return parse(r).id();
  }

  FakeProviders providers_;
  std::unique_ptr<SecretBox> secrets_;
  std::unique_ptr<workers::Executor> workers_;
  std::unique_ptr<ProviderConfigService> service_;
  std::unique_ptr<ApiServer> server_;
};

// Both updates read revision 1 and validate at the same time on the workers: one lands as 2, the
// other is refused instead of silently overwriting it.
TEST_F(ProviderConfigsTest, ConcurrentUpdatesAreACompareAndSetNotALostUpdate) {
  std::string id = create("one");
  providers_.plugin->hold();
  auto first = start("PUT", "/api/v1/provider-configs/" + id, R"({"config": {"region": "us"}})");
  auto second = start("PUT", "/api/v1/provider-configs/" + id, R"({"config": {"region": "ap"}})");
  providers_.plugin->wait_inside(2);  // both read revision 1 and are validating
  providers_.plugin->release(2);
  HttpResponse a = finish(first);
  HttpResponse b = finish(second);
  const HttpResponse& won = a.status == 200 ? a : b;
  const HttpResponse& lost = a.status == 200 ? b : a;
  EXPECT_EQ(won.status, 200) << won.body;
  EXPECT_EQ(header(won, "ETag"), "\"2\"");
  EXPECT_EQ(lost.status, 409) << lost.body;
  EXPECT_NE(lost.body.find("revision_conflict"), std::string::npos) << lost.body;
  EXPECT_NE(lost.body.find("is at revision 2 but the update was based on revision 1"), std::string::npos) << lost.body;

  auto stored = store_->provider_configs().get(id).value();
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->revision, 2u);
  EXPECT_EQ(parse(won).config().fields().at("region").string_value(),
            nlohmann::json::parse(stored->config_json).at("region").get<std::string>())
      << "the update that won is the one kept";
}

class ProviderConfigsLimitTest : public ProviderConfigsTest {
 protected:
  size_t plugin_limit() const override { return 1; }
};

// Validation calls the plugin on the provider pool within the plugin's concurrency limit: with a
// limit of 1 the second create waits for the first although a worker thread is free.
TEST_F(ProviderConfigsLimitTest, ValidationKeepsToThePluginsConcurrencyLimit) {
  providers_.plugin->hold();
  auto first = start("POST", "/api/v1/provider-configs", R"({"name": "a", "plugin": "fake", "config": {}})");
  auto second = start("POST", "/api/v1/provider-configs", R"({"name": "b", "plugin": "fake", "config": {}})");
  providers_.plugin->wait_inside(1);
  auto stats = workers_->key_stats(workers::plugin_limit_key("fake"));
  EXPECT_EQ(stats.running, 1u);
  EXPECT_EQ(stats.queued, 1u);
  providers_.plugin->release(2);
  EXPECT_EQ(finish(first).status, 201);
  EXPECT_EQ(finish(second).status, 201);
  EXPECT_EQ(providers_.plugin->calls(), 2);
}

TEST_F(ProviderConfigsTest, IfMatchNamesTheRevisionTheUpdateIsBasedOn) {
  std::string id = create("one");
  HttpResponse stale =
      finish(start("PUT", "/api/v1/provider-configs/" + id, R"({"config": {"region": "us"}})", "\"7\""));
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_NE(stale.body.find("If-Match names revision 7"), std::string::npos) << stale.body;
  EXPECT_EQ(providers_.plugin->calls(), 1) << "a stale update is refused before the plugin is asked";

  HttpResponse garbage = finish(start("PUT", "/api/v1/provider-configs/" + id, R"({"config": {}})", "W/\"x\""));
  EXPECT_EQ(garbage.status, 412);

  HttpResponse fresh =
      finish(start("PUT", "/api/v1/provider-configs/" + id, R"({"config": {"region": "us"}})", "\"1\""));
  EXPECT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(parse(fresh).revision(), 2u);
  HttpResponse bare = finish(start("PUT", "/api/v1/provider-configs/" + id, R"({"config": {"region": "eu"}})", "2"));
  EXPECT_EQ(bare.status, 200) << bare.body;
}

TEST_F(ProviderConfigsTest, ARevisionInTheBodyIsCheckedToo) {
  std::string id = create("one");
  HttpResponse r = finish(start("PUT", "/api/v1/provider-configs/" + id, R"({"revision": 5, "config": {}})"));
  EXPECT_EQ(r.status, 409) << r.body;
  HttpResponse ok = finish(start("PUT", "/api/v1/provider-configs/" + id, R"({"revision": 1, "config": {}})"));
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(ProviderConfigsTest, ShowCarriesTheETag) {
  std::string id = create("one");
  HttpResponse r = call(*server_, "GET", "/api/v1/provider-configs/one");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(header(r, "ETag"), "\"1\"");
  EXPECT_EQ(parse(r).id(), id);
}

TEST_F(ProviderConfigsTest, InputErrorsAreNamed) {
  HttpResponse missing = finish(start("POST", "/api/v1/provider-configs", R"({"config": {}})"));
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("/name"), std::string::npos) << missing.body;
  EXPECT_NE(missing.body.find("/plugin"), std::string::npos) << missing.body;

  HttpResponse unknown = finish(start("POST", "/api/v1/provider-configs", R"({"name": "x", "colour": "red"})"));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("colour"), std::string::npos) << unknown.body;

  HttpResponse no_plugin = finish(start("POST", "/api/v1/provider-configs", R"({"name": "x", "plugin": "aws"})"));
  EXPECT_EQ(no_plugin.status, 400);
  EXPECT_NE(no_plugin.body.find("no plugin named 'aws' is loaded (loaded: fake)"), std::string::npos) << no_plugin.body;

  HttpResponse schema =
      finish(start("POST", "/api/v1/provider-configs",
                   R"({"name": "x", "plugin": "fake", "config": {"zone": 1}, "startupScriptTemplate": "{nope}"})"));
  EXPECT_EQ(schema.status, 400);
  EXPECT_NE(schema.body.find("/config"), std::string::npos) << schema.body;
  EXPECT_NE(schema.body.find("/startupScriptTemplate"), std::string::npos) << schema.body;

  EXPECT_EQ(finish(start("PUT", "/api/v1/provider-configs/ghost", "{}")).status, 404);
  EXPECT_EQ(call(*server_, "DELETE", "/api/v1/provider-configs/ghost").status, 404);
  EXPECT_EQ(call(*server_, "GET", "/api/v1/provider-configs/ghost").status, 404);
  EXPECT_TRUE(store_->provider_configs().list().value().empty()) << "nothing stored for refused requests";
}

// Secrecy comes from the schema: a secret is always "[redacted]", and a non-secret value that
// merely looks sealed ("v1:...") is shown as it is, so a get-then-put keeps it.
TEST_F(ProviderConfigsTest, OnlySchemaSecretsAreRedactedAndAGetThenPutKeepsEverything) {
  HttpResponse created =
      finish(start("POST", "/api/v1/provider-configs",
                   R"({"name": "one", "plugin": "fake", "config": {"region": "v1:looks-sealed", "key": "s3cret"}})"));
  ASSERT_EQ(created.status, 201) << created.body;
  auto shown = parse(created);
  EXPECT_EQ(shown.config().fields().at("region").string_value(), "v1:looks-sealed");
  EXPECT_EQ(shown.config().fields().at("key").string_value(), "[redacted]");
  EXPECT_EQ(created.body.find("s3cret"), std::string::npos);

  std::string body;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(shown, &body).ok());
  HttpResponse put = finish(start("PUT", "/api/v1/provider-configs/" + shown.id(), body));
  ASSERT_EQ(put.status, 200) << put.body;
  auto stored = store_->provider_configs().get(shown.id()).value();
  ASSERT_TRUE(stored.has_value());
  EXPECT_NE(stored->config_json.find("\"region\":\"v1:looks-sealed\""), std::string::npos) << stored->config_json;
  EXPECT_EQ(stored->secret_paths, std::vector<std::string>{"/key"});
  auto key = nlohmann::json::parse(stored->config_json).at("key").get<std::string>();
  EXPECT_EQ(secrets_->open(key, "provider-config/" + shown.id() + "/key").value(), "s3cret") << "the secret was kept";
}

// A config saved before secret paths were recorded is redacted by the loaded plugin's schema, and
// by look when its plugin is not loaded, so nothing sealed ever leaves the manager.
TEST_F(ProviderConfigsTest, ConfigsSavedBeforeSecretPathsWereRecordedNeverLeakASealedValue) {
  store::ProviderConfigRecord legacy;
  legacy.id = "legacy-1";
  legacy.name = "legacy";
  legacy.plugin = "fake";
  legacy.config_json =
      R"({"region": "eu", "key": ")" + secrets_->seal("s3cret", "provider-config/legacy-1/key") + R"("})";
  legacy.revision = 1;
  ASSERT_TRUE(store_->provider_configs().insert(legacy).ok());
  auto known = parse(call(*server_, "GET", "/api/v1/provider-configs/legacy"));
  EXPECT_EQ(known.config().fields().at("key").string_value(), "[redacted]");
  EXPECT_EQ(known.config().fields().at("region").string_value(), "eu");

  legacy.id = "legacy-2";
  legacy.name = "orphan";
  legacy.plugin = "unloaded";
  legacy.config_json = R"({"other": ")" + secrets_->seal("s3cret", "x") + R"("})";
  ASSERT_TRUE(store_->provider_configs().insert(legacy).ok());
  HttpResponse orphan = call(*server_, "GET", "/api/v1/provider-configs/orphan");
  EXPECT_EQ(parse(orphan).config().fields().at("other").string_value(), "[redacted]");
  EXPECT_EQ(orphan.body.find("v1:"), std::string::npos) << orphan.body;
}

TEST_F(ProviderConfigsTest, AConfigThatAutoscaleConfigsUseIsNotDeletedAndTheAnswerNamesThem) {
  std::string id = create("cloud");
  store::PoolRecord pool;
  pool.id = "p1";
  pool.name = "desktops";
  ASSERT_TRUE(store_->pools().insert(pool).ok());
  for (const char* name : {"east", "west"}) {
    store::AutoscaleConfigRecord c;
    c.id = std::string("as-") + name;
    c.name = name;
    c.pool_id = "p1";
    c.provider_config_id = id;
    ASSERT_TRUE(store_->autoscale_configs().insert(c).ok());
  }
  HttpResponse refused = call(*server_, "DELETE", "/api/v1/provider-configs/" + id);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("provider config cloud is used by autoscale configs east, west"), std::string::npos)
      << refused.body;
  EXPECT_EQ(call(*server_, "GET", "/api/v1/provider-configs/" + id).status, 200);

  ASSERT_EQ(store_->autoscale_configs().remove("as-east").value(), store::RemoveOutcome::removed);
  ASSERT_EQ(store_->autoscale_configs().remove("as-west").value(), store::RemoveOutcome::removed);
  EXPECT_EQ(call(*server_, "DELETE", "/api/v1/provider-configs/" + id).status, 200);
}

}  // namespace
}  // namespace corral::manager
