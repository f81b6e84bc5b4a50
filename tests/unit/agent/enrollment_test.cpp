// Enrollment against a fake manager: a real CA signs the CSR, but HTTP is a function, so the tests
// see exactly which requests left the agent (and that the token never did when it must not).
#include "agent/enrollment.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/files.h"
#include "common/join_token.h"
#include "common/tls/certificate.h"
#include "common/tls/certificate_authority.h"
#include "common/tls/keys.h"
#include "corral/agent/v1/enrollment.pb.h"
#include "corral/api/v1/api.pb.h"
#include "tests/unit/agent/temp_dir.h"

namespace corral::agent {
namespace {

using testing::TempDir;
namespace pbutil = google::protobuf::util;

std::string to_json(const google::protobuf::Message& m) {
  std::string out;
  EXPECT_TRUE(pbutil::MessageToJsonString(m, &out).ok());
  return out;
}

class FakeManager {
 public:
  FakeManager() : ca_(*tls::CertificateAuthority::create("fake manager CA", 30)) {}

  const tls::CertificateAuthority& ca() const { return ca_; }
  // What GET /api/v1/enroll/ca answers (the real CA unless a test swaps it).
  std::string served_ca_pem = "";
  // Non-empty: POST /api/v1/enroll answers this refusal.
  std::string refuse_reason;
  // POST /api/v1/enroll signs, then the answer is lost (the connection drops) this many times.
  int lose_answers = 0;
  int refuse_status = 403;

  std::vector<http::Request> requests;

  HttpPerform perform() {
    return [this](const http::Request& r) -> Result<http::Response> { return handle(r); };
  }

  bool token_was_sent() const {
    for (const auto& r : requests) {
      if (r.body.find("join_token") != std::string::npos || r.body.find("joinToken") != std::string::npos) return true;
    }
    return false;
  }

 private:
  Result<http::Response> handle(const http::Request& r) {
    requests.push_back(r);
    http::Response response;
    response.status = 200;
    if (r.method == "GET" && r.url == "https://manager.test:8443/api/v1/enroll/ca") {
      corral::agent::v1::CaCertificate ca;
      ca.set_ca_certificate_pem(served_ca_pem.empty() ? ca_.certificate_pem() : served_ca_pem);
      response.body = to_json(ca);
      return response;
    }
    if (r.method == "POST" && r.url == "https://manager.test:8443/api/v1/enroll") {
      if (!refuse_reason.empty()) {
        corral::api::v1::Error e;
        e.set_code(refuse_status);
        e.set_reason(refuse_reason);
        e.set_message("join token was already used");
        response.status = refuse_status;
        response.body = to_json(e);
        return response;
      }
      corral::agent::v1::EnrollRequest request;
      if (!pbutil::JsonStringToMessage(r.body, &request).ok()) {
        response.status = 400;
        return response;
      }
      auto issued = ca_.sign_client_csr(request.csr_pem(), "agent-1", 30);
      if (!issued.ok()) {
        response.status = 400;
        return response;
      }
      if (lose_answers > 0) {
        --lose_answers;
        return error(ErrorCode::unavailable, "connection reset while reading the answer");
      }
      corral::agent::v1::EnrollResponse out;
      out.set_agent_id("agent-1");
      out.set_certificate_pem(issued->certificate_pem);
      out.set_ca_certificate_pem(ca_.certificate_pem());
      out.set_agent_endpoint("wss://manager.test:8444/agent/v1");
      (*out.mutable_labels())["pool"] = "blue";
      out.set_server_id("srv-9");
      response.body = to_json(out);
      return response;
    }
    response.status = 404;
    return response;
  }

  tls::CertificateAuthority ca_;
};

std::string token_with_hash(const std::string& hash) {
  JoinTokenParts parts = generate_join_token();
  parts.ca_sha256 = hash;
  return format_join_token(parts);
}

EnrollParams params_for(const std::string& token) {
  EnrollParams p;
  p.manager_url = "https://manager.test:8443/";
  p.join_token = token;
  p.hostname = "host-1";
  return p;
}

TEST(Enrollment, AnAttemptWhoseAnswerWasLostAsksAgainWithTheSameKey) {
  // The manager may have committed the first attempt: only the same key is recognised as the
  // same agent, so the retry must not make a new one.
  FakeManager manager;
  manager.lose_answers = 1;
  TempDir tmp;
  DataDir dir(tmp.file("data"));
  const EnrollParams params = params_for(token_with_hash(manager.ca().sha256_hex()));
  ASSERT_FALSE(enroll(dir, params, manager.perform()).ok());
  auto state = enroll(dir, params, manager.perform());
  ASSERT_TRUE(state.ok()) << state.status().message();
  std::vector<std::string> keys;
  for (const http::Request& r : manager.requests) {
    corral::agent::v1::EnrollRequest sent;
    if (r.method != "POST" || !pbutil::JsonStringToMessage(r.body, &sent).ok()) continue;
    keys.push_back(tls::csr_public_key_sha256(sent.csr_pem()).value());
  }
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], keys[1]);
  auto credentials = load_credentials(dir);
  ASSERT_TRUE(credentials.ok()) << credentials.status().message();
  EXPECT_TRUE(tls::verify_certificate(credentials->certificate_pem, manager.ca().certificate_pem()).ok());
}

TEST(Enrollment, MatchingHashEnrollsAndWritesTheDataDir) {
  FakeManager manager;
  TempDir tmp;
  DataDir dir(tmp.file("data"));
  auto state = enroll(dir, params_for(token_with_hash(manager.ca().sha256_hex())), manager.perform());
  ASSERT_TRUE(state.ok()) << state.status().message();

  ASSERT_EQ(manager.requests.size(), 2u);
  EXPECT_EQ(manager.requests[0].method, "GET");
  EXPECT_FALSE(manager.requests[0].tls.verify) << "the CA fetch is the one unverified request";
  EXPECT_TRUE(manager.requests[0].body.empty());
  EXPECT_EQ(manager.requests[1].method, "POST");
  EXPECT_TRUE(manager.requests[1].tls.verify);
  EXPECT_EQ(manager.requests[1].tls.ca_pem, manager.ca().certificate_pem()) << "the token goes only to the pinned CA";

  EXPECT_EQ(state->agent_id(), "agent-1");
  EXPECT_EQ(state->agent_endpoint(), "wss://manager.test:8444/agent/v1");
  EXPECT_EQ(state->server_id(), "srv-9");
  EXPECT_EQ(state->labels().at("pool"), "blue");
  EXPECT_EQ(state->manager_url(), "https://manager.test:8443");

  EXPECT_TRUE(is_enrolled(dir));
  auto creds = load_credentials(dir);
  ASSERT_TRUE(creds.ok()) << creds.status().message();
  EXPECT_TRUE(tls::verify_certificate(creds->certificate_pem, creds->ca_pem).ok());
  EXPECT_EQ(creds->state.SerializeAsString(), state->SerializeAsString());
  struct stat st {};
  ASSERT_EQ(::stat(dir.key_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Enrollment, MismatchedHashRefusesWithoutSendingTheToken) {
  FakeManager manager;
  FakeManager impostor;
  manager.served_ca_pem = impostor.ca().certificate_pem();
  TempDir tmp;
  DataDir dir(tmp.file("data"));
  std::string expected = manager.ca().sha256_hex();
  auto state = enroll(dir, params_for(token_with_hash(expected)), manager.perform());
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().code(), ErrorCode::permission_denied);
  EXPECT_EQ(state.status().message(), "the manager's CA does not match the join token's hash: expected " + expected +
                                          ", got " + impostor.ca().sha256_hex());
  EXPECT_EQ(manager.requests.size(), 1u);
  EXPECT_FALSE(manager.token_was_sent());
  EXPECT_FALSE(file_exists(dir.key_path()));
  EXPECT_FALSE(is_enrolled(dir));
}

TEST(Enrollment, ExtraCertificatesAfterThePinnedOneAreNotTrusted) {
  FakeManager manager;
  FakeManager impostor;
  manager.served_ca_pem = manager.ca().certificate_pem() + impostor.ca().certificate_pem();
  TempDir tmp;
  auto state = enroll(DataDir(tmp.path()), params_for(token_with_hash(manager.ca().sha256_hex())), manager.perform());
  ASSERT_TRUE(state.ok()) << state.status().message();
  const std::string& trusted = manager.requests.at(1).tls.ca_pem;
  EXPECT_EQ(trusted.find(impostor.ca().certificate_pem()), std::string::npos);
  EXPECT_EQ(trusted, first_certificate_block(manager.ca().certificate_pem()));
}

TEST(Enrollment, NoHashAndNoCaCertIsRefusedBeforeAnyRequest) {
  FakeManager manager;
  TempDir tmp;
  auto state = enroll(DataDir(tmp.path()), params_for(token_with_hash("")), manager.perform());
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().message(),
            "cannot verify the manager: the join token carries no CA hash and no --ca-cert was given");
  EXPECT_TRUE(manager.requests.empty());
}

TEST(Enrollment, CaCertWithoutHashSkipsTheUnverifiedFetch) {
  FakeManager manager;
  TempDir tmp;
  EnrollParams p = params_for(token_with_hash(""));
  p.ca_cert_pem = manager.ca().certificate_pem();
  auto state = enroll(DataDir(tmp.path()), p, manager.perform());
  ASSERT_TRUE(state.ok()) << state.status().message();
  ASSERT_EQ(manager.requests.size(), 1u);
  EXPECT_EQ(manager.requests[0].method, "POST");
  EXPECT_TRUE(manager.requests[0].tls.verify);
}

TEST(Enrollment, CaCertMustMatchTheTokensHashToo) {
  FakeManager manager;
  FakeManager other;
  TempDir tmp;
  EnrollParams p = params_for(token_with_hash(manager.ca().sha256_hex()));
  p.ca_cert_pem = other.ca().certificate_pem();
  auto state = enroll(DataDir(tmp.path()), p, manager.perform());
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.status().message().find("the CA in --ca-cert does not match the join token's hash"),
            std::string::npos);
  EXPECT_TRUE(manager.requests.empty());
}

TEST(Enrollment, RefusalCarriesTheReason) {
  FakeManager manager;
  manager.refuse_reason = "token_used";
  TempDir tmp;
  DataDir dir(tmp.path());
  auto state = enroll(dir, params_for(token_with_hash(manager.ca().sha256_hex())), manager.perform());
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().code(), ErrorCode::permission_denied);
  EXPECT_EQ(state.status().message(), "token_used: join token was already used");
  EXPECT_FALSE(is_enrolled(dir));
}

TEST(Enrollment, UnreachableManagerIsUnavailable) {
  TempDir tmp;
  HttpPerform down = [](const http::Request&) -> Result<http::Response> {
    return error(ErrorCode::unavailable, "connection refused");
  };
  auto state = enroll(DataDir(tmp.path()), params_for(token_with_hash(std::string(64, 'a'))), down);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().code(), ErrorCode::unavailable);
}

TEST(Enrollment, MalformedTokenOrUrlIsRefusedLocally) {
  FakeManager manager;
  TempDir tmp;
  auto bad_token = enroll(DataDir(tmp.path()), params_for("cj1.nope"), manager.perform());
  EXPECT_EQ(bad_token.status().code(), ErrorCode::invalid_argument);
  EnrollParams p = params_for(token_with_hash(manager.ca().sha256_hex()));
  p.manager_url = "http://manager.test:8443";
  auto clear_text = enroll(DataDir(tmp.path()), p, manager.perform());
  EXPECT_EQ(clear_text.status().code(), ErrorCode::invalid_argument);
  EXPECT_TRUE(manager.requests.empty());
}

TEST(ManagerUrl, Normalizes) {
  EXPECT_EQ(*normalize_manager_url("https://m:8443//"), "https://m:8443");
  EXPECT_FALSE(normalize_manager_url("https://").ok());
  EXPECT_FALSE(normalize_manager_url("https:///x").ok());
  EXPECT_FALSE(normalize_manager_url("m:8443").ok());
}

TEST(FirstCertificateBlock, TakesOnlyTheFirst) {
  std::string a = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  std::string b = "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(first_certificate_block("junk\n" + a + b), a);
  EXPECT_EQ(first_certificate_block("no pem here"), "");
}

}  // namespace
}  // namespace corral::agent
