// The manager's certificate material in its data directory: the CA that signs agent certificates
// and the server certificate both listeners present. Created at first start, loaded afterwards;
// private keys are written 0600.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "common/tls/certificate_authority.h"

namespace corral::manager {

struct ManagerPki {
  tls::CertificateAuthority ca;
  std::string server_certificate_pem;
  std::string server_private_key_pem;
};

// Files: ca.crt, ca.key, server.crt, server.key under DATA_DIR. server_names go into the server
// certificate's SANs when it is first created; changing them later needs the old server.crt removed.
Result<ManagerPki> load_or_create_pki(const std::string& data_dir, const std::vector<std::string>& server_names);

}  // namespace corral::manager
