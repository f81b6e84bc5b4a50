// Certificates for tests of the HTTP clients: a fresh CA (common/tls) and a server certificate
// from it for 127.0.0.1 and localhost.
#pragma once

#include <string>

#include "common/result.h"
#include "common/tls/certificate_authority.h"

namespace corral::testing {

struct TestPki {
  std::string ca_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
};

inline Result<TestPki> make_test_pki(const std::string& ca_name) {
  auto ca = tls::CertificateAuthority::create(ca_name, 2);
  if (!ca.ok()) return ca.status();
  auto server = ca->issue_server_certificate({"127.0.0.1", "localhost"}, 1);
  if (!server.ok()) return server.status();
  return TestPki{ca->certificate_pem(), server->certificate_pem, server->private_key_pem};
}

}  // namespace corral::testing
