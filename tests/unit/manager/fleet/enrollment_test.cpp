// Token validation and enrollment on a real SQLite store with a hand-moved clock.
#include "manager/fleet/enrollment.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>

#include "common/join_token.h"
#include "common/tls/certificate.h"
#include "common/tls/keys.h"
#include "manager/store/join_token_enrollment.h"
#include "manager/store/join_token_issue.h"
#include "manager/store/sqlite_store.h"
#include "tests/unit/manager/core_loop.h"

namespace corral::manager {
namespace {

using namespace std::chrono_literals;

// A store whose join-token reads run `meanwhile` right after reading, as if another request had
// been served between Enrollment's checks and its unit of work. Everything else is the real store.
class RacingStore final : public store::Store, store::JoinTokenRepository {
 public:
  RacingStore(store::Store& real, std::function<void()> meanwhile) : real_(real), meanwhile_(std::move(meanwhile)) {}

  Result<int> schema_version() override { return real_.schema_version(); }
  Status unit_of_work(const std::function<Status(store::Repositories&)>& work) override {
    return real_.unit_of_work(work);
  }
  store::AgentRepository& agents() override { return real_.agents(); }
  store::JoinTokenRepository& join_tokens() override { return *this; }
  store::AdminTokenRepository& admin_tokens() override { return real_.admin_tokens(); }
  store::ProviderConfigRepository& provider_configs() override { return real_.provider_configs(); }
  store::LdapConfigRepository& ldap_configs() override { return real_.ldap_configs(); }
  store::IntentRepository& intents() override { return real_.intents(); }
  store::LeaseRepository& leases() override { return real_.leases(); }
  store::PoolRepository& pools() override { return real_.pools(); }
  store::ServerRepository& servers() override { return real_.servers(); }
  store::WorkspaceRepository& workspaces() override { return real_.workspaces(); }
  store::SessionRepository& sessions() override { return real_.sessions(); }
  store::AutoscaleConfigRepository& autoscale_configs() override { return real_.autoscale_configs(); }
  store::EventRepository& events() override { return real_.events(); }

  Status insert(const store::JoinTokenRecord& t) override { return real_.join_tokens().insert(t); }
  Result<std::optional<store::JoinTokenRecord>> get(const std::string& id) override {
    auto read = real_.join_tokens().get(id);
    meanwhile_();
    return read;
  }
  Result<store::TokenConsumption> consume(const std::string& id, int64_t now, const std::string& agent) override {
    return real_.join_tokens().consume(id, now, agent);
  }
  Result<int> delete_expired(int64_t now) override { return real_.join_tokens().delete_expired(now); }

 private:
  store::Store& real_;
  std::function<void()> meanwhile_;
};

// What the broker would hear: each server an enrollment bound, as committed.
struct RecordedBindings final : EnrollmentBindings {
  void on_agent_bound(const store::ServerRecord& server) override { bound.push_back(server); }
  std::vector<store::ServerRecord> bound;
};

class EnrollmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("corral-enroll-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    store_ = store::SqliteStore::open((dir_ / "db").string()).value();
    core_.emplace(*store_);
    ca_.emplace(tls::CertificateAuthority::create("test CA", 10).value());
    enrollment_ = std::make_unique<Enrollment>(core_->store(), *ca_, clock_,
                                               EnrollmentSettings{600, 3600, 30, "wss://x:1/agent/v1"}, bindings_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  corral::agent::v1::EnrollRequest request(const std::string& token, std::string key = "") {
    corral::agent::v1::EnrollRequest r;
    r.set_join_token(token);
    if (key.empty()) key = tls::generate_private_key_pem().value();
    r.set_csr_pem(tls::create_csr_pem(key, "whoever").value());
    r.set_hostname("h1");
    return r;
  }

  // Enrollment answers later, on the core: these run the core until it has.
  static Result<corral::agent::v1::EnrollResponse> enroll_on(testing::CoreLoop& core, Enrollment& enrollment,
                                                             const corral::agent::v1::EnrollRequest& r,
                                                             EnrollmentRefusal* refusal) {
    std::optional<EnrollmentResult> result;
    enrollment.enroll(r, [&](EnrollmentResult got) { result = std::move(got); });
    core.drain();
    EXPECT_TRUE(result.has_value()) << "enroll never answered";
    if (!result) return error(ErrorCode::internal, "no answer");
    if (!result->response) {
      *refusal = result->refusal;
      return error(ErrorCode::failed_precondition, result->refusal.reason);
    }
    return *result->response;
  }
  Result<corral::agent::v1::EnrollResponse> enroll(const corral::agent::v1::EnrollRequest& r,
                                                   EnrollmentRefusal* refusal) {
    return enroll_on(*core_, *enrollment_, r, refusal);
  }
  Result<corral::api::v1::JoinToken> create_join_token(const corral::api::v1::CreateJoinTokenRequest& r) {
    return core_->await<Result<corral::api::v1::JoinToken>>(
        [&](auto done) { enrollment_->create_join_token(r, std::move(done)); });
  }
  Result<int> delete_expired_tokens() {
    return core_->await<Result<int>>([&](auto done) { enrollment_->delete_expired_tokens(std::move(done)); });
  }

  std::string new_token(uint32_t ttl = 0) {
    corral::api::v1::CreateJoinTokenRequest r;
    r.set_ttl_seconds(ttl);
    (*r.mutable_labels())["pool"] = "p1";
    r.set_server_id("srv-1");
    return create_join_token(r).value().token();
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
  std::optional<testing::CoreLoop> core_;
  std::optional<tls::CertificateAuthority> ca_;
  RecordedBindings bindings_;
  std::unique_ptr<Enrollment> enrollment_;
};

TEST_F(EnrollmentTest, TokenBoundToAServerBindsTheAgentBeforeTheAnswer) {
  store::PoolRecord pool;
  pool.id = "p1";
  pool.name = "p1";
  ASSERT_TRUE(store_->pools().insert(pool).ok());
  store::ServerRecord server;
  server.id = "srv-1";
  server.pool_id = "p1";
  server.hostname = "h1";
  ASSERT_TRUE(store_->servers().insert(server).ok());
  std::optional<EnrollmentResult> result;
  size_t bound_when_answered = 0;
  enrollment_->enroll(request(new_token()), [&](EnrollmentResult got) {
    bound_when_answered = bindings_.bound.size();
    result = std::move(got);
  });
  core_->drain();
  ASSERT_TRUE(result && result->response) << (result ? result->refusal.message : "no answer");
  const std::string agent_id = result->response->agent_id();
  // The broker must know before the agent can connect, which is after it has this answer.
  EXPECT_EQ(bound_when_answered, 1u);
  ASSERT_EQ(bindings_.bound.size(), 1u);
  EXPECT_EQ(bindings_.bound[0].agent_id, agent_id);
  EXPECT_EQ(bindings_.bound[0].revision, 2u);  // as committed: the binding moved it on
  EXPECT_EQ(store_->servers().get("srv-1").value()->agent_id, agent_id);
}

TEST_F(EnrollmentTest, TheAutoscalersServerTokenEnrollsAnAgentThatBacksTheServerOnce) {
  store::PoolRecord pool;
  pool.id = "p1";
  pool.name = "p1";
  ASSERT_TRUE(store_->pools().insert(pool).ok());
  store::ServerRecord server;
  server.id = "srv-9";
  server.pool_id = "p1";
  server.hostname = "corral-x1";
  server.origin = store::ServerOrigin::autoscaled;
  ASSERT_TRUE(store_->servers().insert(server).ok());
  const int64_t now = unix_seconds(clock_.now());
  auto token = store::issue_server_join_token(store_->join_tokens(), "srv-9", now, now + 300, enrollment_->ca_sha256());
  ASSERT_TRUE(token.ok()) << token.status().to_string();

  EnrollmentRefusal refusal;
  auto enrolled = enroll(request(*token), &refusal);
  ASSERT_TRUE(enrolled.ok()) << refusal.reason << ": " << refusal.message;
  EXPECT_EQ(enrolled->server_id(), "srv-9");
  EXPECT_EQ(store_->servers().get("srv-9").value()->agent_id, enrolled->agent_id());
  ASSERT_EQ(bindings_.bound.size(), 1u);
  EXPECT_EQ(bindings_.bound[0].id, "srv-9");

  EXPECT_FALSE(enroll(request(*token), &refusal).ok());
  EXPECT_EQ(refusal.reason, "token_used");
}

TEST_F(EnrollmentTest, TheAutoscalersServerTokenExpiresWithTheProvisionTimeout) {
  const int64_t now = unix_seconds(clock_.now());
  auto token = store::issue_server_join_token(store_->join_tokens(), "srv-9", now, now + 300, enrollment_->ca_sha256());
  ASSERT_TRUE(token.ok()) << token.status().to_string();
  clock_.advance(300s);
  EnrollmentRefusal refusal;
  EXPECT_FALSE(enroll(request(*token), &refusal).ok());
  EXPECT_EQ(refusal.reason, "token_expired");
}

TEST_F(EnrollmentTest, TokenForADeletedServerEnrollsUnbound) {
  // new_token() names srv-1, which does not exist (deleted after the token was made).
  EnrollmentRefusal refusal;
  auto enrolled = enroll(request(new_token()), &refusal);
  ASSERT_TRUE(enrolled.ok()) << refusal.message;
  EXPECT_TRUE(bindings_.bound.empty());
}

TEST_F(EnrollmentTest, TokenCarriesTheCaHashAndIsStoredHashed) {
  std::string token = new_token();
  auto parts = parse_join_token(token).value();
  EXPECT_EQ(parts.ca_sha256, ca_->sha256_hex());
  auto stored = store_->join_tokens().get(parts.id).value();
  ASSERT_TRUE(stored.has_value());
  EXPECT_NE(stored->secret_sha256, parts.secret);
  EXPECT_EQ(stored->expires_at - stored->created_at, 600);
}

TEST_F(EnrollmentTest, ValidTokenEnrollsOnceWithACertificateNamingTheAgent) {
  std::string token = new_token();
  EnrollmentRefusal refusal;
  auto r = enroll(request(token), &refusal);
  ASSERT_TRUE(r.ok()) << refusal.reason << ": " << refusal.message;
  auto info = tls::inspect_certificate(r->certificate_pem()).value();
  EXPECT_EQ(info.subject_cn, r->agent_id()) << "the manager names the agent, not the CSR";
  EXPECT_TRUE(tls::verify_certificate(r->certificate_pem(), ca_->certificate_pem()).ok());
  EXPECT_EQ(r->server_id(), "srv-1");
  EXPECT_EQ(r->labels().at("pool"), "p1");
  auto agent = store_->agents().get(r->agent_id()).value();
  ASSERT_TRUE(agent.has_value());
  EXPECT_EQ(agent->certificate_serial, info.serial_hex);

  auto again = enroll(request(token), &refusal);
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(refusal.reason, "token_used");
  EXPECT_EQ(refusal.http_status, 403);
  EXPECT_EQ(store_->agents().list().value().size(), 1u);
}

TEST_F(EnrollmentTest, TheSameKeyAskingAgainGetsTheSameAgentWithANewCertificate) {
  // The first answer was lost (the manager stopped after committing): the agent asks again with
  // its token and the key it kept, in a new CSR.
  std::string token = new_token();
  const std::string key = tls::generate_private_key_pem().value();
  EnrollmentRefusal refusal;
  auto first = enroll(request(token, key), &refusal);
  ASSERT_TRUE(first.ok()) << refusal.reason;
  auto again = enroll(request(token, key), &refusal);
  ASSERT_TRUE(again.ok()) << refusal.reason << ": " << refusal.message;
  EXPECT_EQ(again->agent_id(), first->agent_id());
  EXPECT_EQ(again->server_id(), "srv-1");
  const auto first_cert = tls::inspect_certificate(first->certificate_pem()).value();
  const auto second_cert = tls::inspect_certificate(again->certificate_pem()).value();
  EXPECT_EQ(second_cert.subject_cn, first->agent_id());
  EXPECT_NE(second_cert.serial_hex, first_cert.serial_hex);
  // Only the certificate it now holds is accepted: the store has its serial, and one agent.
  auto agents = store_->agents().list().value();
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0].certificate_serial, second_cert.serial_hex);

  // Another key with the same token is somebody else: the token is used.
  EXPECT_FALSE(enroll(request(token), &refusal).ok());
  EXPECT_EQ(refusal.reason, "token_used");
  // A revoked agent's token is over too, even for its own key.
  ASSERT_TRUE(store_->agents().revoke(first->agent_id(), unix_seconds(clock_.now())).ok());
  EXPECT_FALSE(enroll(request(token, key), &refusal).ok());
  EXPECT_EQ(refusal.reason, "token_used");
  EXPECT_EQ(store_->agents().list().value().size(), 1u);
}

TEST_F(EnrollmentTest, AnAgentIdIsAUuidMadeFromTheTokenAndTheKey) {
  const std::string id = agent_id_for("tok1", std::string(64, 'a'));
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[14], '8');  // version 8
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
  EXPECT_EQ(agent_id_for("tok1", std::string(64, 'a')), id);
  EXPECT_NE(agent_id_for("tok2", std::string(64, 'a')), id);
  EXPECT_NE(agent_id_for("tok1", std::string(64, 'b')), id);
}

TEST_F(EnrollmentTest, ATokenPastItsExpiryIsNotAnsweredAgain) {
  std::string token = new_token(60);
  const std::string key = tls::generate_private_key_pem().value();
  EnrollmentRefusal refusal;
  ASSERT_TRUE(enroll(request(token, key), &refusal).ok());
  clock_.advance(std::chrono::seconds(61));
  EXPECT_FALSE(enroll(request(token, key), &refusal).ok());
  EXPECT_EQ(refusal.reason, "token_used");
}

TEST_F(EnrollmentTest, ExpiredTokenIsRefusedAndNothingIsStored) {
  std::string token = new_token(60);
  clock_.advance(60s);
  EnrollmentRefusal refusal;
  EXPECT_FALSE(enroll(request(token), &refusal).ok());
  EXPECT_EQ(refusal.reason, "token_expired");
  EXPECT_TRUE(store_->agents().list().value().empty());
  EXPECT_EQ(store_->join_tokens().get(parse_join_token(token)->id).value()->used_at, 0);
}

TEST_F(EnrollmentTest, OneSecondBeforeExpiryStillWorks) {
  std::string token = new_token(60);
  clock_.advance(59s);
  EnrollmentRefusal refusal;
  EXPECT_TRUE(enroll(request(token), &refusal).ok()) << refusal.message;
}

TEST_F(EnrollmentTest, WrongSecretLooksLikeAnUnknownToken) {
  std::string token = new_token();
  auto parts = parse_join_token(token).value();
  parts.secret[0] = parts.secret[0] == 'a' ? 'b' : 'a';
  EnrollmentRefusal wrong, unknown;
  EXPECT_FALSE(enroll(request(format_join_token(parts)), &wrong).ok());
  parts.id[0] = parts.id[0] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(enroll(request(format_join_token(parts)), &unknown).ok());
  EXPECT_EQ(wrong.reason, "token_unknown");
  EXPECT_EQ(unknown.reason, "token_unknown");
  EXPECT_EQ(wrong.message, unknown.message);
  EXPECT_EQ(wrong.http_status, 401);
  // The real token was not burned by the failed attempts.
  EnrollmentRefusal refusal;
  EXPECT_TRUE(enroll(request(token), &refusal).ok());
}

TEST_F(EnrollmentTest, MalformedTokenAndBadCsrAreRefusedWithoutUsingTheToken) {
  EnrollmentRefusal refusal;
  EXPECT_FALSE(enroll(request("garbage"), &refusal).ok());
  EXPECT_EQ(refusal.reason, "token_malformed");
  EXPECT_EQ(refusal.http_status, 400);

  std::string token = new_token();
  auto bad = request(token);
  bad.set_csr_pem("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
  EXPECT_FALSE(enroll(bad, &refusal).ok());
  EXPECT_EQ(refusal.reason, "csr_invalid");
  EXPECT_TRUE(enroll(request(token), &refusal).ok()) << "a bad CSR must not burn the token";
}

TEST_F(EnrollmentTest, TokenFromAnotherCaIsRefused) {
  auto parts = parse_join_token(new_token()).value();
  parts.ca_sha256 = std::string(64, 'f');
  EnrollmentRefusal refusal;
  EXPECT_FALSE(enroll(request(format_join_token(parts)), &refusal).ok());
  EXPECT_EQ(refusal.reason, "ca_mismatch");
}

TEST_F(EnrollmentTest, TokenUsedByARacingEnrollmentIsRefusedAsUsed) {
  std::string token = new_token();
  std::string id = parse_join_token(token)->id;
  RacingStore racing(*store_, [&] {
    store::AgentRecord winner;
    winner.id = "winner";
    winner.certificate_serial = "ff01";
    auto won = store::consume_join_token_and_enroll(*store_, id, unix_seconds(clock_.now()), winner);
    ASSERT_TRUE(won.ok() && *won == store::EnrollOutcome::enrolled);
  });
  testing::CoreLoop racing_core(racing);
  Enrollment enrollment(racing_core.store(), *ca_, clock_, EnrollmentSettings{600, 3600, 30, "wss://x:1/agent/v1"},
                        bindings_);
  EnrollmentRefusal refusal;
  EXPECT_FALSE(enroll_on(racing_core, enrollment, request(token), &refusal).ok());
  EXPECT_EQ(refusal.reason, "token_used");
  EXPECT_EQ(refusal.http_status, 403);
  auto agents = store_->agents().list().value();
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0].id, "winner");
}

TEST_F(EnrollmentTest, TokenDeletedMeanwhileIsRefusedAsUnknown) {
  std::string token = new_token();
  RacingStore racing(*store_, [&] { ASSERT_EQ(store_->join_tokens().delete_expired(INT64_MAX).value(), 1); });
  testing::CoreLoop racing_core(racing);
  Enrollment enrollment(racing_core.store(), *ca_, clock_, EnrollmentSettings{600, 3600, 30, "wss://x:1/agent/v1"},
                        bindings_);
  EnrollmentRefusal refusal;
  EXPECT_FALSE(enroll_on(racing_core, enrollment, request(token), &refusal).ok());
  EXPECT_EQ(refusal.reason, "token_unknown");
  EXPECT_EQ(refusal.http_status, 401);
  EXPECT_TRUE(store_->agents().list().value().empty());
}

TEST_F(EnrollmentTest, TtlAboveTheMaximumIsRejected) {
  corral::api::v1::CreateJoinTokenRequest r;
  r.set_ttl_seconds(3601);
  auto t = create_join_token(r);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("ttl_seconds"), std::string::npos);
}

TEST_F(EnrollmentTest, ExpiredUnusedTokensAreDeletedAndUsedOnesKept) {
  std::string used = new_token(100);
  std::string unused_short = new_token(100);
  std::string unused_long = new_token(1000);
  EnrollmentRefusal refusal;
  ASSERT_TRUE(enroll(request(used), &refusal).ok()) << refusal.message;
  auto id = [](const std::string& token) { return parse_join_token(token).value().id; };

  EXPECT_EQ(delete_expired_tokens().value(), 0);
  clock_.advance(100s);
  EXPECT_EQ(delete_expired_tokens().value(), 1);
  EXPECT_FALSE(store_->join_tokens().get(id(unused_short)).value().has_value());
  EXPECT_TRUE(store_->join_tokens().get(id(used)).value().has_value()) << "the record of who enrolled stays";
  EXPECT_TRUE(store_->join_tokens().get(id(unused_long)).value().has_value());
  clock_.advance(1000s);
  EXPECT_EQ(delete_expired_tokens().value(), 1);
  EXPECT_TRUE(store_->join_tokens().get(id(used)).value().has_value());
}

TEST_F(EnrollmentTest, AHostnameWithControlCharactersIsRefusedWithoutUsingTheToken) {
  std::string token = new_token();
  auto bad = request(token);
  bad.set_hostname("host\nforged row");
  EnrollmentRefusal refusal;
  EXPECT_FALSE(enroll(bad, &refusal).ok());
  EXPECT_EQ(refusal.reason, "hostname_invalid");
  EXPECT_EQ(refusal.http_status, 400);
  EXPECT_TRUE(enroll(request(token), &refusal).ok()) << "the token is still usable";
}

TEST_F(EnrollmentTest, JoinTokenLabelsAndDescriptionAreChecked) {
  corral::api::v1::CreateJoinTokenRequest r;
  (*r.mutable_labels())["bad key"] = "v";
  EXPECT_EQ(create_join_token(r).status().code(), ErrorCode::invalid_argument);
  r.clear_labels();
  r.set_description("line\x1b[2J");
  auto t = create_join_token(r);
  EXPECT_EQ(t.status().code(), ErrorCode::invalid_argument);
  EXPECT_NE(t.status().message().find("description"), std::string::npos);
}

}  // namespace
}  // namespace corral::manager
