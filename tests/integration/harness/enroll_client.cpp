#include "tests/integration/harness/enroll_client.h"

#include <google/protobuf/util/json_util.h>

#include "common/tls/keys.h"
#include "corral/agent/v1/enrollment.pb.h"

namespace corral::testing {

Result<TestIdentity> enroll_test_identity(const ManagerUnderTest& manager, const std::string& token,
                                          const std::string& hostname, const std::string& private_key_pem) {
  auto key = private_key_pem.empty() ? tls::generate_private_key_pem() : Result<std::string>(private_key_pem);
  if (!key.ok()) return key.status();
  auto csr = tls::create_csr_pem(*key, hostname);
  if (!csr.ok()) return csr.status();
  corral::agent::v1::EnrollRequest request;
  request.set_join_token(token);
  request.set_csr_pem(*csr);
  request.set_hostname(hostname);
  std::string body;
  (void)google::protobuf::util::MessageToJsonString(request, &body);
  auto r = manager.call("POST", "/api/v1/enroll", body, /*auth=*/false);
  if (!r.ok()) return r.status();
  if (r->status != 200)
    return error(ErrorCode::permission_denied, "enroll answered " + std::to_string(r->status) + ": " + r->body);
  corral::agent::v1::EnrollResponse response;
  if (!google::protobuf::util::JsonStringToMessage(r->body, &response).ok()) {
    return error(ErrorCode::internal, "bad enroll response: " + r->body);
  }
  return TestIdentity{response.agent_id(), response.certificate_pem(), *key};
}

}  // namespace corral::testing
