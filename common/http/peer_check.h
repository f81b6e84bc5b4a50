// The server certificate check of one exchange, run by OpenSSL inside libcurl's handshake: it
// records the certificate's SHA-256 fingerprint (so a refusal can name what was seen) and then
// either compares it with a pinned fingerprint or runs OpenSSL's usual chain verification,
// optionally against a shared trust store. Only client.cpp installs it.
#pragma once

#include <curl/curl.h>

#include <optional>
#include <string>
#include <string_view>

struct x509_store_st;  // OpenSSL's X509_STORE

namespace corral::http::detail {

struct PeerCheck {
  x509_store_st* store = nullptr;  // given to the connection's SSL_CTX when set
  std::string pin;                 // 32 raw bytes; empty: verify the chain
  std::string seen;                // "AB:CD:..." once the handshake saw a certificate
};

// "ab:cd:..." or "ABCD..." (64 hex digits, colons anywhere) as 32 bytes; nullopt otherwise.
std::optional<std::string> parse_sha256_fingerprint(std::string_view text);

// 32 bytes as "AB:CD:...", the form vCenter, browsers and `openssl x509 -fingerprint` show.
std::string format_sha256_fingerprint(std::string_view digest);

// A CURLOPT_SSL_CTX_FUNCTION; its CURLOPT_SSL_CTX_DATA is the exchange's PeerCheck.
CURLcode install_peer_check(CURL* curl, void* ssl_ctx, void* peer_check);

}  // namespace corral::http::detail
