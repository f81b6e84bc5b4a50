#include "bench/agent-swarm/enroller.h"

#include <google/protobuf/util/json_util.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "common/http/client.h"
#include "common/tls/keys.h"
#include "corral/agent/v1/enrollment.pb.h"
#include "corral/api/v1/api.pb.h"

namespace corral::bench {
namespace {

constexpr int kAttempts = 5;

// A transport failure or a 5xx is worth another try (the manager is busy); anything else is not.
Result<http::Response> call_with_retry(const EnrollTarget& target, const std::string& path, const std::string& body,
                                       bool admin) {
  http::Request request;
  request.method = "POST";
  request.url = target.api_url + path;
  request.body = body;
  request.headers.emplace_back("Content-Type", "application/json");
  if (admin) request.headers.emplace_back("Authorization", "Bearer " + target.admin_token);
  request.timeout = std::chrono::seconds(30);
  request.tls.ca_pem = target.ca_pem;
  Status last;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    auto r = http::perform(request);
    if (r.ok() && r->status < 500) return r;
    last =
        r.ok() ? error(ErrorCode::unavailable, "POST " + path + " answered " + std::to_string(r->status)) : r.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
  }
  return last;
}

Result<AgentIdentity> enroll_one(const EnrollTarget& target, size_t index) {
  corral::api::v1::CreateJoinTokenRequest token_request;
  token_request.set_description("agent-swarm benchmark");
  std::string body;
  (void)google::protobuf::util::MessageToJsonString(token_request, &body);
  auto created = call_with_retry(target, "/api/v1/join-tokens", body, /*admin=*/true);
  if (!created.ok()) return created.status();
  if (created->status != 201) {
    return error(ErrorCode::permission_denied,
                 "POST /api/v1/join-tokens answered " + std::to_string(created->status) + ": " + created->body);
  }
  corral::api::v1::JoinToken token;
  if (!google::protobuf::util::JsonStringToMessage(created->body, &token).ok()) {
    return error(ErrorCode::internal, "POST /api/v1/join-tokens: the answer is not a JoinToken");
  }

  std::string hostname = "swarm-" + std::to_string(index);
  auto key = tls::generate_private_key_pem();
  if (!key.ok()) return key.status();
  auto csr = tls::create_csr_pem(*key, hostname);
  if (!csr.ok()) return csr.status();
  corral::agent::v1::EnrollRequest request;
  request.set_join_token(token.token());
  request.set_csr_pem(*csr);
  request.set_hostname(hostname);
  request.set_os_family(corral::agent::v1::OS_FAMILY_LINUX);
  body.clear();
  (void)google::protobuf::util::MessageToJsonString(request, &body);
  auto enrolled = call_with_retry(target, "/api/v1/enroll", body, /*admin=*/false);
  if (!enrolled.ok()) return enrolled.status();
  if (enrolled->status != 200) {
    return error(ErrorCode::permission_denied,
                 "POST /api/v1/enroll answered " + std::to_string(enrolled->status) + ": " + enrolled->body);
  }
  corral::agent::v1::EnrollResponse response;
  if (!google::protobuf::util::JsonStringToMessage(enrolled->body, &response).ok()) {
    return error(ErrorCode::internal, "POST /api/v1/enroll: the answer is not an EnrollResponse");
  }
  AgentIdentity identity;
  identity.agent_id = response.agent_id();
  identity.certificate_pem = response.certificate_pem();
  identity.private_key_pem = std::move(key).value();
  return identity;
}

}  // namespace

Status enroll_identities(const EnrollTarget& target, size_t count, int threads, std::vector<AgentIdentity>* identities,
                         IdentityCache* cache) {
  size_t first = identities->size();
  if (first >= count) return {};
  identities->resize(count);
  std::atomic<size_t> next{first};
  std::atomic<size_t> done{0};
  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
  Status failure;

  auto worker = [&] {
    while (!failed.load()) {
      size_t i = next.fetch_add(1);
      if (i >= count) return;
      auto identity = enroll_one(target, i);
      Status s = identity.ok() ? cache->append(*identity) : identity.status();
      if (!s.ok()) {
        std::lock_guard lock(failure_mutex);
        if (!failed.exchange(true)) failure = s;
        return;
      }
      (*identities)[i] = std::move(identity).value();
      size_t n = done.fetch_add(1) + 1;
      if (n % 1000 == 0) std::fprintf(stderr, "agent-swarm: enrolled %zu of %zu\n", n, count - first);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  if (failed.load()) {
    // Drop the slots that never finished; the cache already holds every one that did.
    std::erase_if(*identities, [](const AgentIdentity& a) { return a.agent_id.empty(); });
    return failure;
  }
  return {};
}

}  // namespace corral::bench
