#include "common/http/client.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>

namespace corral::http {
namespace {

// A manager answer is a few kilobytes; anything this large is a misdirected URL, and stopping
// keeps a bad server from filling our memory.
constexpr size_t kMaxBodyBytes = 64u << 20;

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Sink {
  std::string body;
  bool too_large = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  if (sink->body.size() + n > kMaxBodyBytes) {
    sink->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  sink->body.append(data, n);
  return n;
}

// Error messages end up in logs and on terminals; credentials written into the URL itself
// ("https://user:secret@host/") must not.
std::string redact_url(const std::string& url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + "***@" + url.substr(at + 1);
}

bool known_method(const std::string& method) {
  static const char* const kMethods[] = {"GET", "POST", "DELETE", "PUT", "PATCH"};
  return std::any_of(std::begin(kMethods), std::end(kMethods), [&](const char* m) { return method == m; });
}

ErrorCode code_for(CURLcode rc) {
  switch (rc) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_SSL_CERTPROBLEM:  // our own client certificate or key does not load
      return ErrorCode::invalid_argument;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_WRITE_ERROR: return ErrorCode::internal;
    default: return ErrorCode::unavailable;
  }
}

curl_blob blob_of(const std::string& pem) {
  curl_blob blob{};
  blob.data = const_cast<char*>(pem.data());
  blob.len = pem.size();
  blob.flags = CURL_BLOB_COPY;
  return blob;
}

Status configure_tls(CURL* curl, const TlsOptions& tls) {
  if (!tls.verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!tls.ca_pem.empty()) {
    curl_blob ca = blob_of(tls.ca_pem);
    if (curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca) != CURLE_OK) {
      return error(ErrorCode::internal, "libcurl cannot take a CA certificate from memory");
    }
    // The blob replaces the default CA file, but curl would still consult the default CA
    // directory; "trust exactly this CA" means dropping it too.
    curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
  }
  if (tls.client_cert_pem.empty() != tls.client_key_pem.empty()) {
    return error(ErrorCode::invalid_argument, "a client certificate needs both the certificate and its key");
  }
  if (!tls.client_cert_pem.empty()) {
    curl_blob cert = blob_of(tls.client_cert_pem);
    curl_blob key = blob_of(tls.client_key_pem);
    if (curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert) != CURLE_OK ||
        curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key) != CURLE_OK) {
      return error(ErrorCode::internal, "libcurl cannot take a client certificate from memory");
    }
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
  }
  return {};
}

}  // namespace

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<Response> perform(const Request& request) {
  const std::string where = request.method + " " + redact_url(request.url);
  if (!known_method(request.method)) {
    return error(ErrorCode::invalid_argument, "unsupported HTTP method in " + where);
  }
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return error(ErrorCode::internal, "libcurl cannot start a request for " + where);
  CURL* c = curl.get();

  char errbuf[CURL_ERROR_SIZE] = {0};
  Sink sink;
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  // Only web protocols: a URL from a config file must not turn into file:// or ldap://.
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(c, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  // Redirects stay off: following one would resend the Authorization header elsewhere.
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  // The agent calls this from worker threads; curl must not use signals for its timeouts.
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &write_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);

  if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    if (request.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    // DELETE without a body sends none; every other method sends one, even if empty, so the
    // server sees Content-Length: 0 rather than waiting for a body.
    if (request.method != "DELETE" || !request.body.empty()) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    }
  }

  curl_slist* raw_headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    // A line break would end this header and start one of the caller's choosing.
    if ((name + value).find_first_of("\r\n") != std::string::npos) {
      curl_slist_free_all(raw_headers);
      return error(ErrorCode::invalid_argument,
                   "header " + name.substr(0, name.find_first_of("\r\n")) + " contains a line break (" + where + ")");
    }
    std::string line = name + ": " + value;
    curl_slist* next = curl_slist_append(raw_headers, line.c_str());
    if (!next) {
      curl_slist_free_all(raw_headers);
      return error(ErrorCode::internal, "out of memory building headers for " + where);
    }
    raw_headers = next;
  }
  // Small JSON bodies gain nothing from "Expect: 100-continue" but a round trip.
  if (curl_slist* next = curl_slist_append(raw_headers, "Expect:")) raw_headers = next;
  std::unique_ptr<curl_slist, SlistDeleter> headers(raw_headers);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  if (Status st = configure_tls(c, request.tls); !st.ok()) return error(st.code(), st.message() + " (" + where + ")");

  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    if (sink.too_large) {
      return error(ErrorCode::internal, where + ": answer larger than " + std::to_string(kMaxBodyBytes) + " bytes");
    }
    std::string detail = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    return error(code_for(rc), where + ": " + detail);
  }

  Response response;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  char* content_type = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK && content_type) {
    response.content_type = content_type;
  }
  response.body = std::move(sink.body);
  return response;
}

}  // namespace corral::http
