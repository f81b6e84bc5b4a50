// Enrolls simulated agents the way a real agent does, through the manager's REST API: a join
// token from POST /api/v1/join-tokens (admin token), then POST /api/v1/enroll with a CSR for a
// fresh ECDSA P-256 key. A few worker threads run in parallel; each finished identity goes to
// the cache at once.
#pragma once

#include <string>
#include <vector>

#include "bench/agent-swarm/agent_identity.h"
#include "common/result.h"

namespace corral::bench {

struct EnrollTarget {
  std::string api_url;      // https://127.0.0.1:PORT
  std::string ca_pem;       // the manager's CA: the API is verified against it
  std::string admin_token;  // secret: never printed
};

// Enrolls agents until IDENTITIES holds COUNT, appending each new one to CACHE (open for
// append). Stops at the first error that retrying does not cure and returns it.
Status enroll_identities(const EnrollTarget& target, size_t count, int threads, std::vector<AgentIdentity>* identities,
                         IdentityCache* cache);

}  // namespace corral::bench
