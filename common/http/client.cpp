#include "common/http/client.h"

#include <curl/curl.h>
#include <openssl/opensslv.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "common/files.h"
#include "common/http/peer_check.h"
#include "common/http/redaction.h"
#include "common/text.h"

namespace corral::http {
namespace {

// Bound on the response header block (all fields together). libcurl bounds each field; this
// bounds how many a server can send us.
constexpr size_t kMaxHeaderBytes = 256u << 10;
// How often Request::abort is asked while a transfer waits on the network.
constexpr int kAbortPollMs = 50;

struct EasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

struct Sink {
  size_t max_body = 0;
  std::string body;
  bool body_too_large = false;
  Headers headers;
  size_t header_bytes = 0;
  bool headers_too_large = false;
  const std::function<bool()>* abort = nullptr;
  bool aborted = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  if (sink->body.size() + n > sink->max_body) {
    sink->body_too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  sink->body.append(data, n);
  return n;
}

// libcurl hands every header line of every response it reads: interim 1xx answers, the final
// status line, the fields, the blank line, and trailers after a chunked body.
size_t write_header(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new response begins (after a 100 Continue, say): only the last one's fields count.
    sink->headers.clear();
    sink->header_bytes = 0;
    return n;
  }
  sink->header_bytes += n;
  if (sink->header_bytes > kMaxHeaderBytes) {
    sink->headers_too_large = true;
    return 0;
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    // Obsolete line folding continues the previous field's value.
    std::string_view more = trim_whitespace(line);
    if (!sink->headers.empty() && !more.empty()) sink->headers.back().second.append(" ").append(more);
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;  // the blank line, or not a field
  sink->headers.emplace_back(std::string(line.substr(0, colon)), std::string(trim_whitespace(line.substr(colon + 1))));
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* sink = static_cast<Sink*>(user);
  if (*sink->abort && (*sink->abort)()) {
    sink->aborted = true;
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

bool known_method(const std::string& method) {
  static const char* const kMethods[] = {"GET", "HEAD", "POST", "DELETE", "PUT", "PATCH"};
  return std::any_of(std::begin(kMethods), std::end(kMethods), [&](const char* m) { return method == m; });
}

// RFC 9110 token characters: what a header name may be made of.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// Only web protocols: a URL from a config file or a plugin must not turn into file:// or ldap://.
// libcurl enforces it too (CURLOPT_PROTOCOLS_STR); checking first gives a clear message.
Status check_url(const std::string& url, const std::string& where) {
  std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed) return error(ErrorCode::internal, "libcurl cannot parse a URL (" + where + ")");
  if (CURLUcode rc = curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK) {
    return error(ErrorCode::invalid_argument, "malformed URL in " + where + ": " + curl_url_strerror(rc));
  }
  char* scheme = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || scheme == nullptr) {
    return error(ErrorCode::invalid_argument, "URL without a scheme in " + where);
  }
  std::string s(scheme);
  curl_free(scheme);
  if (s != "http" && s != "https") {
    return error(ErrorCode::invalid_argument, "only http and https URLs are allowed, not '" + s + "' (" + where + ")");
  }
  return {};
}

Failure failure_for(CURLcode rc) {
  switch (rc) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT: return Failure::invalid_request;
    case CURLE_ABORTED_BY_CALLBACK: return Failure::aborted;
    case CURLE_OPERATION_TIMEDOUT: return Failure::timed_out;
    case CURLE_FILESIZE_EXCEEDED: return Failure::body_too_large;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:  // our own client certificate or key does not load
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS: return Failure::tls;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNKNOWN_OPTION: return Failure::internal;
    default: return Failure::transport;
  }
}

// Failures a new attempt may not repeat. Certificate problems, refused options and protocol
// violations are not among them: sending again would fail again.
bool is_transient(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3: return true;
    default: return false;
  }
}

ErrorCode code_for(Failure failure, CURLcode rc) {
  switch (failure) {
    case Failure::invalid_request: return ErrorCode::invalid_argument;
    case Failure::body_too_large:
    case Failure::internal: return ErrorCode::internal;
    case Failure::tls: return rc == CURLE_SSL_CERTPROBLEM ? ErrorCode::invalid_argument : ErrorCode::unavailable;
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

// The PEM file libcurl trusts by default (the system store), read once per process.
const std::string& system_ca_bundle_pem() {
  static const std::string pem = [] {
    const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
    if (info == nullptr || info->cainfo == nullptr) return std::string();
    Result<std::string> text = read_file(info->cainfo);
    return text.ok() ? *text : std::string();
  }();
  return pem;
}

// Whether libcurl runs on the OpenSSL this program links, so that the SSL_CTX it hands to
// CURLOPT_SSL_CTX_FUNCTION is one we may give our X509_STORE to.
bool curl_uses_our_openssl() {
  static const bool same = [] {
    const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
    std::string expected = "OpenSSL/" + std::to_string(OPENSSL_VERSION_MAJOR) + ".";
    return info != nullptr && info->ssl_version != nullptr && std::string_view(info->ssl_version).starts_with(expected);
  }();
  return same;
}

// CA certificates as a CAINFO blob: replaces libcurl's default CA file while its default CA
// directory stays in use unless cleared. *holder keeps the text alive until the transfer ends.
Status set_ca_blob(CURL* curl, bool for_proxy, std::string pem, bool keep_default_dir, std::string* holder) {
  *holder = std::move(pem);
  curl_blob blob = blob_of(*holder);
  if (curl_easy_setopt(curl, for_proxy ? CURLOPT_PROXY_CAINFO_BLOB : CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK) {
    return error(ErrorCode::internal, "libcurl cannot take CA certificates from memory");
  }
  if (!keep_default_dir) curl_easy_setopt(curl, for_proxy ? CURLOPT_PROXY_CAPATH : CURLOPT_CAPATH, nullptr);
  return {};
}

// The CAs of TLS (a shared store or ca_pem) as libcurl options, for the proxy, or for the server
// when the shared store cannot be handed to OpenSSL directly.
Status set_trust(CURL* curl, const TlsOptions& tls, bool for_proxy, std::string* holder) {
  if (const TrustStore* trust = tls.trust_store.get()) {
    // libcurl has no SSL_CTX hook for the proxy's TLS (nor on other TLS libraries): the same CAs
    // as text, with the system file in front when the store includes it.
    std::string pem =
        trust->with_system_store() ? system_ca_bundle_pem() + "\n" + trust->extra_pem() : trust->extra_pem();
    return set_ca_blob(curl, for_proxy, std::move(pem), trust->with_system_store(), holder);
  }
  if (tls.ca_pem.empty()) return {};
  return set_ca_blob(curl, for_proxy, tls.ca_pem, false, holder);
}

// On this program's OpenSSL, every connection runs detail::PeerCheck, which records the server's
// fingerprint, and verifies against the shared store parsed once (libcurl then loads no CA
// itself) or against the pin.
Status configure_tls(CURL* curl, const TlsOptions& tls, std::string* ca, detail::PeerCheck* check) {
  const bool hooked = curl_uses_our_openssl();
  if (!tls.pinned_cert_sha256.empty()) {
    std::optional<std::string> pin = detail::parse_sha256_fingerprint(tls.pinned_cert_sha256);
    if (!pin) return error(ErrorCode::invalid_argument, "the pinned certificate fingerprint is not 64 hex digits");
    if (!hooked) {
      return error(ErrorCode::invalid_argument, "certificate pinning needs libcurl built on this program's OpenSSL");
    }
    check->pin = std::move(*pin);
  }
  if (!tls.verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!check->pin.empty()) {
    // The pin is the whole check: the fingerprint names one certificate, whatever it says.
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(curl, CURLOPT_CAINFO, nullptr);
    curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
  } else {
    // libcurl's defaults, stated so that no build or environment can turn them off.
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!tls.server_ca_pem.empty()) {
      if (Status st = set_ca_blob(curl, false, tls.server_ca_pem, false, ca); !st.ok()) return st;
    } else if (tls.trust_store && hooked) {
      check->store = tls.trust_store->native();
      curl_easy_setopt(curl, CURLOPT_CAINFO, nullptr);
      curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
    } else if (Status st = set_trust(curl, tls, false, ca); !st.ok()) {
      return st;
    }
  }
  if (hooked && (curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, &detail::install_peer_check) != CURLE_OK ||
                 curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, check) != CURLE_OK)) {
    // A pin or a shared store that libcurl would silently not apply is an error, not a fallback.
    if (!check->pin.empty() || check->store != nullptr) {
      return error(ErrorCode::internal, "libcurl refused the certificate check hook");
    }
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

Status configure_proxy(CURL* curl, const Request& request, std::string* proxy_ca) {
  const ProxyOptions& proxy = request.proxy;
  if (proxy.from_environment) return {};
  // An empty string, not "unset": libcurl then ignores the proxy variables of the environment.
  curl_easy_setopt(curl, CURLOPT_PROXY, proxy.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOPROXY, proxy.no_proxy.c_str());
  // The proxy's answer to CONNECT is not the server's answer.
  curl_easy_setopt(curl, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  if (proxy.verify_with_request_ca && request.tls.verify) return set_trust(curl, request.tls, true, proxy_ca);
  return {};
}

Status build_headers(const Request& request, const std::string& where, std::unique_ptr<curl_slist, SlistDeleter>* out) {
  curl_slist* raw = nullptr;
  auto fail = [&](ErrorCode code, std::string message) {
    curl_slist_free_all(raw);
    return error(code, std::move(message));
  };
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    // A line break would end this header and start one of the caller's choosing. The value is
    // never echoed: it may be a credential.
    if (!is_token(name)) {
      return fail(ErrorCode::invalid_argument, "header name '" +
                                                   name.substr(0, std::min(name.find_first_of("\r\n"), size_t{64})) +
                                                   "' is not a valid HTTP field name (" + where + ")");
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      std::string message = "header ";
      message.append(name).append(" contains a line break (").append(where).append(")");
      return fail(ErrorCode::invalid_argument, std::move(message));
    }
    if (ascii_iequals(name, "Content-Type")) has_content_type = true;
    // "Name:" tells libcurl to remove a header; "Name;" sends it empty.
    std::string line = name;
    line.append(value.empty() ? ";" : ": ").append(value);
    curl_slist* next = curl_slist_append(raw, line.c_str());
    if (!next) return fail(ErrorCode::internal, "out of memory building headers for " + where);
    raw = next;
  }
  // Small JSON bodies gain nothing from "Expect: 100-continue" but a round trip.
  if (curl_slist* next = curl_slist_append(raw, "Expect:")) raw = next;
  // libcurl labels a body without a Content-Type as a form; a body is what the caller says it is.
  if (!has_content_type && !request.body.empty()) {
    if (curl_slist* next = curl_slist_append(raw, "Content-Type:")) raw = next;
  }
  out->reset(raw);
  return {};
}

void set_method_and_body(CURL* c, const Request& request) {
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    return;
  }
  if (request.method == "GET" && request.body.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    return;
  }
  if (request.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  // GET and DELETE without a body send none; every other method sends one, even if empty, so
  // the server sees Content-Length: 0 rather than waiting for a body.
  if (request.method != "DELETE" || !request.body.empty()) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
  }
}

// Runs the transfer on a private multi handle so that Request::abort is asked every
// kAbortPollMs even while nothing arrives (the progress callback alone can wait a second).
CURLcode run(CURL* c, Sink& sink) {
  if (!*sink.abort) return curl_easy_perform(c);
  std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
  if (!multi || curl_multi_add_handle(multi.get(), c) != CURLM_OK) return CURLE_OUT_OF_MEMORY;
  CURLcode result = CURLE_OK;
  bool done = false;
  while (!done) {
    int running = 0;
    if (curl_multi_perform(multi.get(), &running) != CURLM_OK) {
      result = CURLE_OUT_OF_MEMORY;
      break;
    }
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
      if (msg->msg == CURLMSG_DONE) {
        result = msg->data.result;
        done = true;
      }
    }
    if (done) break;
    if ((*sink.abort)()) {
      sink.aborted = true;
      result = CURLE_ABORTED_BY_CALLBACK;
      break;
    }
    if (curl_multi_poll(multi.get(), nullptr, 0, kAbortPollMs, nullptr) != CURLM_OK) {
      result = CURLE_OUT_OF_MEMORY;
      break;
    }
  }
  curl_multi_remove_handle(multi.get(), c);
  return result;
}

// Whether any byte of the request can have left for the server: the request is written only
// once the connection (for https: the TLS handshake through it) is complete.
bool request_may_have_been_sent(CURL* c, const std::string& url) {
  curl_off_t connected = 0;
  curl_off_t tls_done = 0;
  long request_bytes = 0;
  curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connected);
  curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T, &tls_done);
  curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &request_bytes);
  if (request_bytes > 0) return true;
  std::string scheme = ascii_lower(url.substr(0, url.find(':')));
  return scheme == "https" ? tls_done > 0 : connected > 0;
}

Exchange failed(Failure failure, Status status) {
  Exchange out;
  out.failure = failure;
  out.status = std::move(status);
  return out;
}

}  // namespace

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Exchange exchange(const Request& request) {
  const std::string where = request.method + " " + redact_url(request.url);
  if (!known_method(request.method)) {
    return failed(Failure::invalid_request, error(ErrorCode::invalid_argument, "unsupported HTTP method in " + where));
  }
  if (Status st = check_url(request.url, where); !st.ok()) {
    return failed(st.code() == ErrorCode::invalid_argument ? Failure::invalid_request : Failure::internal, st);
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  if (Status st = build_headers(request, where, &headers); !st.ok()) {
    return failed(st.code() == ErrorCode::invalid_argument ? Failure::invalid_request : Failure::internal, st);
  }
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) {
    return failed(Failure::internal, error(ErrorCode::internal, "libcurl cannot start a request for " + where));
  }
  CURL* c = curl.get();

  char errbuf[CURL_ERROR_SIZE] = {0};
  Sink sink;
  sink.max_body = request.max_body_bytes;
  sink.abort = &request.abort;
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(c, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  // Redirects stay off: following one would resend the Authorization header elsewhere.
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  // Callers run on worker threads; curl must not use signals for its timeouts.
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(request.timeout.count(), 1)));
  if (request.connect_timeout.count() > 0) {
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  }
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_body_bytes));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &write_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &write_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  if (request.abort) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &sink);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  set_method_and_body(c, request);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  std::string ca;
  std::string proxy_ca;
  detail::PeerCheck peer_check;
  if (Status st = configure_tls(c, request.tls, &ca, &peer_check); !st.ok()) {
    return failed(st.code() == ErrorCode::invalid_argument ? Failure::invalid_request : Failure::internal,
                  error(st.code(), st.message() + " (" + where + ")"));
  }
  if (Status st = configure_proxy(c, request, &proxy_ca); !st.ok()) {
    return failed(Failure::internal, error(st.code(), st.message() + " (" + where + ")"));
  }

  CURLcode rc = run(c, sink);
  Exchange out;
  out.peer_cert_sha256 = std::move(peer_check.seen);
  if (rc != CURLE_OK) {
    out.failure = failure_for(rc);
    out.transient = is_transient(rc);
    out.request_may_have_been_sent = request_may_have_been_sent(c, request.url);
    if (sink.aborted) {
      out.failure = Failure::aborted;
      out.transient = false;
      out.status = error(ErrorCode::unavailable, where + ": stopped by the caller");
    } else if (sink.body_too_large || rc == CURLE_FILESIZE_EXCEEDED || sink.headers_too_large) {
      out.failure = Failure::body_too_large;
      out.transient = false;
      std::string what = sink.headers_too_large ? "answer headers larger than " + std::to_string(kMaxHeaderBytes)
                                                : "answer larger than " + std::to_string(request.max_body_bytes);
      out.status = error(ErrorCode::internal, where + ": " + what + " bytes");
    } else {
      std::string detail = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
      out.status = error(code_for(out.failure, rc), where + ": " + detail);
    }
    return out;
  }

  out.request_may_have_been_sent = true;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.response.status);
  char* content_type = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK && content_type) {
    out.response.content_type = content_type;
  }
  out.response.body = std::move(sink.body);
  out.response.headers = std::move(sink.headers);
  return out;
}

Result<Response> perform(const Request& request) {
  Exchange x = exchange(request);
  if (!x.status.ok()) return x.status;
  return std::move(x.response);
}

}  // namespace corral::http
