// AWS Signature Version 4 (header form) on OpenSSL, for every request the AWS plugin sends: EC2,
// STS. The caller builds the request as it will go on the wire; sign() adds X-Amz-Date,
// X-Amz-Security-Token (for session credentials) and Authorization. Canonicalization follows the
// published SigV4 rules as the official SDKs apply them to non-S3 services (docs/providers/aws.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corral::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;    // empty for long-term keys
  int64_t expires_unix_ms = 0;  // 0: does not expire
  std::string source;           // "config", "environment", "profile default", "imds", "sts" (for logs)
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SignableRequest {
  std::string method;  // "GET", "POST"...
  std::string url;     // scheme://host[:port]/path[?query], path and query as sent
  HeaderList headers;  // Host is taken from the URL unless given here
  std::string body;
};

struct SigningScope {
  std::string region;   // "us-east-1"
  std::string service;  // "ec2", "sts"
};

// The intermediate strings, for tests and debugging (they hold no secret).
struct SignatureParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string authorization;
};

// Signs REQUEST in place at time NOW_UNIX_MS (the host clock). Any Authorization, X-Amz-Date and
// X-Amz-Security-Token already present are replaced, so a retried request is signed afresh.
SignatureParts sign_request(SignableRequest& request, const Credentials& credentials, const SigningScope& scope,
                            int64_t now_unix_ms);

// RFC 3986 percent-encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ (and '/' when
// KEEP_SLASH) becomes %XX with upper-case hex; a space is %20, never '+'.
std::string uri_encode(std::string_view in, bool keep_slash);

// "k1=v1&k2=v2" from decoded pairs, each part uri_encode()d, in the order given. Used for the
// query string and for application/x-www-form-urlencoded bodies (the EC2 and STS Query APIs).
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params);

// "20150830T123600Z" and "20150830" for a Unix time in ms (UTC).
std::string amz_timestamp(int64_t unix_ms);

// Lower-case hex SHA-256 of DATA.
std::string sha256_hex(std::string_view data);

}  // namespace corral::aws
