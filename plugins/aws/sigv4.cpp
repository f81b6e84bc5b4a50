#include "plugins/aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <stdexcept>

namespace corral::aws {
namespace {

// Headers the official SDKs leave unsigned: proxies and the HTTP stack may change them.
bool unsigned_header(const std::string& lower_name) {
  return lower_name == "expect" || lower_name == "user-agent" || lower_name == "x-amzn-trace-id";
}

// Headers sign_request() owns: removed before signing and set afresh.
bool owned_header(const std::string& lower_name) {
  return lower_name == "authorization" || lower_name == "x-amz-date" || lower_name == "x-amz-security-token";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xF]);
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out, &len) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoding; a '%' not followed by two hex digits stays as it is.
std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

struct UrlParts {
  std::string host;  // lower case, with ":port" unless the scheme's default
  std::string path;
  std::string query;
};

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) throw std::invalid_argument("not an absolute URL");
  std::string scheme = lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  size_t fragment = rest.find('#');
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  std::string host = lower(authority);
  // Drop the scheme's default port, as the Host header HTTP clients send does.
  size_t colon = host.rfind(':');
  if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
    std::string port = host.substr(colon + 1);
    if ((scheme == "https" && port == "443") || (scheme == "http" && port == "80") || port.empty()) {
      host.resize(colon);
    }
  }
  parts.host = host;
  if (authority_end == std::string_view::npos) return parts;
  rest = rest.substr(authority_end);
  size_t q = rest.find('?');
  parts.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) parts.query = std::string(rest.substr(q + 1));
  return parts;
}

// RFC 3986 section 5.2.4 dot-segment removal; AWS services also fold consecutive slashes.
std::string normalize_path(const std::string& path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  std::string_view p(path);
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    std::string_view seg = p.substr(start, end - start);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    start = end + 1;
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result += out[i];
  }
  if (path.back() == '/' && !out.empty()) result += '/';
  return result;
}

std::string canonical_query(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string_view piece(query.data() + start, end - start);
    if (!piece.empty()) {
      size_t eq = piece.find('=');
      std::string_view k = piece.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
      // Decoding first makes a loosely encoded URL sign the way the service re-encodes it.
      pairs.emplace_back(uri_encode(percent_decode(k), false), uri_encode(percent_decode(v), false));
    }
    start = end + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

// Trims the value and folds every run of whitespace inside it into one space.
std::string trim_all(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      pending_space = !out.empty();
    } else {
      if (pending_space) out.push_back(' ');
      pending_space = false;
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view in, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size() * 3);
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xF]);
    }
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += uri_encode(k, false) + "=" + uri_encode(v, false);
  }
  return out;
}

std::string amz_timestamp(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return hex(md, len);
}

SignatureParts sign_request(SignableRequest& request, const Credentials& credentials, const SigningScope& scope,
                            int64_t now_unix_ms) {
  const std::string timestamp = amz_timestamp(now_unix_ms);
  const std::string date = timestamp.substr(0, 8);

  std::erase_if(request.headers, [](const auto& h) { return owned_header(lower(h.first)); });
  request.headers.emplace_back("X-Amz-Date", timestamp);
  if (!credentials.session_token.empty())
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);

  UrlParts url = split_url(request.url);
  // Values of one name keep their order and are joined with commas.
  std::map<std::string, std::string> canonical;
  for (const auto& [name, value] : request.headers) {
    std::string key = lower(trim_all(name));
    if (unsigned_header(key)) continue;
    auto [it, fresh] = canonical.try_emplace(key, trim_all(value));
    if (!fresh) it->second += "," + trim_all(value);
  }
  canonical.try_emplace("host", url.host);

  std::string header_block;
  std::string signed_headers;
  for (const auto& [name, value] : canonical) {
    header_block += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  SignatureParts parts;
  parts.canonical_request = request.method + "\n" + uri_encode(normalize_path(url.path), true) + "\n" +
                            canonical_query(url.query) + "\n" + header_block + "\n" + signed_headers + "\n" +
                            sha256_hex(request.body);
  const std::string credential_scope = date + "/" + scope.region + "/" + scope.service + "/aws4_request";
  parts.string_to_sign =
      "AWS4-HMAC-SHA256\n" + timestamp + "\n" + credential_scope + "\n" + sha256_hex(parts.canonical_request);

  std::string key = hmac_sha256("AWS4" + credentials.secret_access_key, date);
  key = hmac_sha256(key, scope.region);
  key = hmac_sha256(key, scope.service);
  key = hmac_sha256(key, "aws4_request");
  std::string signature = hmac_sha256(key, parts.string_to_sign);

  parts.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + credential_scope +
                        ", SignedHeaders=" + signed_headers + ", Signature=" +
                        hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
  request.headers.emplace_back("Authorization", parts.authorization);
  return parts;
}

}  // namespace corral::aws
