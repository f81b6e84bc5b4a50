// CA certificates that requests trust, parsed once and shared by every request that names them.
// Without it libcurl parses its CA file again for each connection, which for the system store
// costs tens of milliseconds of CPU per request. The manager's HTTP service for plugins builds one
// at start; corralctl and the agent pin a single CA with TlsOptions::ca_pem instead.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"

struct x509_store_st;  // OpenSSL's X509_STORE

namespace corral::http {

// Immutable once created; safe to use from any number of threads at once.
class TrustStore {
 public:
  // The system store (libcurl's default CA file and directory) when WITH_SYSTEM_STORE, plus the
  // certificates in EXTRA_PEM. EXTRA_PEM may be empty only with the system store; when given,
  // every PEM certificate in it must parse.
  static Result<std::shared_ptr<const TrustStore>> create(const std::string& extra_pem, bool with_system_store);

  ~TrustStore();
  TrustStore(const TrustStore&) = delete;
  TrustStore& operator=(const TrustStore&) = delete;

  x509_store_st* native() const { return store_; }
  const std::string& extra_pem() const { return extra_pem_; }
  bool with_system_store() const { return with_system_store_; }

 private:
  TrustStore() = default;

  x509_store_st* store_ = nullptr;
  std::string extra_pem_;
  bool with_system_store_ = false;
};

}  // namespace corral::http
