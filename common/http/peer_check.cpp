#include "common/http/peer_check.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cctype>

namespace corral::http::detail {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Replaces OpenSSL's chain verification for connections of this exchange (SSL_CTX_set_cert_verify_callback).
int verify_peer(X509_STORE_CTX* ctx, void* arg) {
  auto* check = static_cast<PeerCheck*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (leaf != nullptr && X509_digest(leaf, EVP_sha256(), digest, &len) == 1) {
    check->seen = format_sha256_fingerprint(std::string_view(reinterpret_cast<const char*>(digest), len));
  }
  if (check->pin.empty()) return X509_verify_cert(ctx);
  if (len == check->pin.size() && check->pin.compare(0, len, reinterpret_cast<const char*>(digest), len) == 0) {
    return 1;
  }
  X509_STORE_CTX_set_error(ctx, X509_V_ERR_CERT_REJECTED);
  return 0;
}

}  // namespace

std::optional<std::string> parse_sha256_fingerprint(std::string_view text) {
  std::string out;
  int high = -1;
  for (char c : text) {
    if (c == ':') continue;
    int v = hex_value(c);
    if (v < 0) return std::nullopt;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<char>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0 || out.size() != 32) return std::nullopt;
  return out;
}

std::string format_sha256_fingerprint(std::string_view digest) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char b : digest) {
    if (!out.empty()) out.push_back(':');
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

CURLcode install_peer_check(CURL*, void* ssl_ctx, void* peer_check) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  auto* check = static_cast<PeerCheck*>(peer_check);
  if (check->store != nullptr) SSL_CTX_set1_cert_store(ctx, check->store);
  SSL_CTX_set_cert_verify_callback(ctx, &verify_peer, check);
  return CURLE_OK;
}

}  // namespace corral::http::detail
