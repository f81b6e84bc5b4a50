// The enrolled identities the swarm's simulated agents present (certificate and key per agent),
// and the cache file in the swarm's state directory that keeps them between runs against the same
// manager data directory, so enrollment is paid for once.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"

namespace corral::bench {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

struct AgentIdentity {
  std::string agent_id;
  std::string certificate_pem;
  std::string private_key_pem;
  // Parsed on the first connection and kept: parsing a key costs more CPU than a few KiB of
  // memory per agent, and the swarm shares the machine's two cores with the manager.
  std::unique_ptr<X509, X509Free> certificate;
  std::unique_ptr<EVP_PKEY, PkeyFree> private_key;

  // Parses the PEM on first use; invalid_argument when it does not parse.
  Status load();
};

// The cache: "agent ID" lines, each followed by that agent's certificate and key PEM, in the
// order enrolled. It is bound to one manager CA; a cache for another CA is discarded.
class IdentityCache {
 public:
  // DIR is created 0700 when missing; the file is identities.pem inside it.
  explicit IdentityCache(std::string dir);

  // The cached identities when the cache was written for CA_SHA256, else none (and a stale cache
  // is removed).
  Result<std::vector<AgentIdentity>> load(const std::string& ca_sha256);
  // Starts appending identities for CA_SHA256 (after load(); the file is created 0600).
  Status open_for_append(const std::string& ca_sha256);
  // Thread-safe; flushed at once, so an interrupted enrollment keeps what it finished.
  Status append(const AgentIdentity& identity);
  Status close();

  ~IdentityCache();

 private:
  std::string dir_;
  std::string path_;
  std::string ca_path_;
  std::mutex mutex_;
  FILE* out_ = nullptr;
};

}  // namespace corral::bench
