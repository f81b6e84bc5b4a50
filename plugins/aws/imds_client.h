// The EC2 instance role through the Instance Metadata Service, version 2 only: PUT a session
// token (with its TTL header), GET the role name, GET the role's credentials. The token is kept
// until shortly before its TTL ends and fetched again on a 401. One ImdsClient per provider
// config (the credential chain owns it); thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "plugins/aws/aws_error.h"
#include "plugins/aws/http_send.h"
#include "plugins/aws/sigv4.h"

namespace corral::aws {

inline constexpr const char* kDefaultImdsEndpoint = "http://169.254.169.254";

class ImdsClient {
 public:
  // ENDPOINT: scheme://host[:port] without a path (the config's imds_endpoint).
  explicit ImdsClient(std::string endpoint);

  // The role's current credentials (expires_unix_ms set from "Expiration"). Errors are
  // ERROR_CLASS_AUTH (no IMDS, no role attached, refused) or TRANSIENT (IMDS answered 5xx).
  Outcome<Credentials> fetch(const HttpSend& send, int64_t now_unix_ms);

  const std::string& endpoint() const { return endpoint_; }

 private:
  Outcome<std::string> token(const HttpSend& send, int64_t now_unix_ms, bool force);
  Outcome<std::string> get(const HttpSend& send, const std::string& path, int64_t now_unix_ms);

  const std::string endpoint_;
  std::mutex mu_;
  std::string token_;
  int64_t token_expires_ms_ = 0;
};

}  // namespace corral::aws
