// First-contact verification: which CA certificate the agent trusts when it sends its join token.
// The token pins the manager's CA by SHA-256 (kubeadm's discovery hash), an operator may hand the
// CA over with --ca-cert, and without either the agent refuses to talk to the manager at all.
// Called by enroll() before anything secret leaves the host.
#pragma once

#include <functional>
#include <string>

#include "common/http/client.h"
#include "common/join_token.h"
#include "common/result.h"

namespace corral::agent {

// http::perform, or a fake in tests.
using HttpPerform = std::function<Result<http::Response>(const http::Request&)>;

// The CA certificate (one PEM block) to verify the manager with.
//  - CA_CERT_PEM (from --ca-cert) given: trusted; if the token also pins a hash it must match.
//  - else the token pins a hash: GET {manager_url}/api/v1/enroll/ca WITHOUT TLS verification (the
//    only unverified request the agent makes) and accept the CA only if its hash matches.
//  - else: refused (permission_denied).
// A mismatch is permission_denied naming the expected and received hashes. Nothing here sends
// the join token.
Result<std::string> trusted_manager_ca(const std::string& manager_url, const JoinTokenParts& token,
                                       const std::string& ca_cert_pem, const HttpPerform& perform);

// The first "CERTIFICATE" PEM block of TEXT, or empty. Only that block is hashed and trusted, so
// certificates appended after the pinned one cannot slip into the trust store.
std::string first_certificate_block(const std::string& text);

}  // namespace corral::agent
