#include "plugins/vsphere/vim_session.h"

#include <cctype>

namespace corral::vsphere {
namespace {

constexpr const char* kCookieName = "vmware_soap_session";

// "vmware_soap_session=...; Path=/; HttpOnly" from the Set-Cookie headers of RESPONSE, or "".
std::string session_cookie_header(const sdk::pv1::HttpResponse& response) {
  constexpr std::string_view name = "Set-Cookie";
  for (const auto& h : response.headers()) {
    if (h.name().size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(h.name()[i])) == std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same && h.value().starts_with(kCookieName)) return h.value();
  }
  return {};
}

// The method's name: the first element name of BODY ("<RetrievePropertiesEx xmlns=...>").
std::string_view method_of(std::string_view body) {
  if (!body.starts_with("<")) return {};
  size_t end = body.find_first_of(" >/", 1);
  return body.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
}

VsphereError http_failure(const VsphereConfig& config, std::string_view method, const sdk::HttpResult& r) {
  const std::string where = "vCenter " + config.url + " (" + std::string(method) + ")";
  if (r.status != CORRAL_OK) {
    const char* name = corral_status_name(r.status);
    return transient_error(where + ": " + (name != nullptr ? name : "status " + std::to_string(r.status)) +
                           (r.status_message.empty() ? "" : ": " + r.status_message));
  }
  const auto& response = r.response;
  if (response.certificate_refused()) {
    std::string seen = response.peer_cert_sha256().empty()
                           ? std::string("no certificate was seen")
                           : "the certificate it presented has SHA-256 fingerprint " + response.peer_cert_sha256();
    return config_error(where + ": its TLS certificate is not trusted (" + response.transport_error() + "); " + seen +
                            ". Check that fingerprint with the vCenter's administrator, then set tls.thumbprint_sha256 "
                            "to it, or set tls.ca_pem to the vCenter's CA",
                        "/tls");
  }
  return transient_error(where + ": " + response.transport_error());
}

}  // namespace

bool missing_for_lack_of_session(pugi::xml_node response) {
  RetrieveResult result = parse_retrieve_result(response);
  for (const ObjectContent& o : result.objects) {
    for (const auto& [path, fault] : o.missing) {
      if (fault == "NotAuthenticated") return true;
    }
  }
  return false;
}

Outcome<SoapAnswer> VimSession::post(const HttpSend& send, std::string_view body, const std::string& cookie,
                                     bool secret_body, std::string* set_cookie, int64_t timeout_ms) const {
  std::string_view method = method_of(body);
  sdk::pv1::HttpRequest request;
  request.set_method("POST");
  request.set_url(config_.url);
  auto add = [&](const char* name, const std::string& value) {
    auto* h = request.add_headers();
    h->set_name(name);
    h->set_value(value);
  };
  add("Content-Type", "text/xml; charset=utf-8");
  std::string api_version;
  {
    std::lock_guard lock(mu_);
    api_version = content_.api_version;
  }
  add("SOAPAction", api_version.empty() ? "urn:vim25" : "urn:vim25/" + api_version);
  if (!cookie.empty()) add("Cookie", cookie);
  request.set_body(soap_envelope(body));
  request.set_sensitive_body(secret_body);
  request.set_timeout_ms(timeout_ms);
  // Not marked idempotent even for reads: vim25 answers every fault with HTTP 500, which the host
  // retries for idempotent requests; a fault is an answer, and resending it only adds delay.
  request.set_idempotent(false);
  request.set_server_ca_pem(config_.tls.ca_pem);
  request.set_pinned_cert_sha256(config_.tls.thumbprint_sha256);

  sdk::HttpResult r = send(request);
  if (!r.ok()) return http_failure(config_, method, r);
  const auto& response = r.response;
  if (set_cookie != nullptr) {
    std::string value = session_cookie_header(response);
    *set_cookie = value.substr(0, value.find(';'));
  }
  const std::string where = "vCenter " + config_.url + " (" + std::string(method) + ")";
  auto answer = parse_soap(response.body());
  if (!answer.ok()) {
    // Not SOAP: a proxy's page, a wrong URL, a vCenter starting.
    int status = response.status();
    if (status == 404) return config_error(where + ": no vim25 SDK at this URL (HTTP 404)", "/url");
    if (status == 401 || status == 403) {
      return VsphereError{pv1::ERROR_CLASS_AUTH, where + ": HTTP " + std::to_string(status), {}, {}};
    }
    return transient_error(where + ": HTTP " + std::to_string(status) + ", " + answer.error().message);
  }
  if (answer.value().fault) {
    const SoapFault& f = *answer.value().fault;
    VsphereError e{
        fault_class(f.type), where + ": " + (f.type.empty() ? "fault" : f.type) + ": " + f.message, {}, f.type};
    return e;
  }
  return answer;
}

Outcome<std::string> VimSession::login(const HttpSend& send) {
  auto sc = post(send,
                 "<RetrieveServiceContent xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">ServiceInstance</_this>"
                 "</RetrieveServiceContent>",
                 {}, false, nullptr);
  if (!sc.ok()) return sc.error();
  pugi::xml_node rv = child(sc.value().response, "returnval");
  ServiceContent content;
  content.property_collector = moref_of(child(rv, "propertyCollector"));
  content.session_manager = moref_of(child(rv, "sessionManager"));
  content.search_index = moref_of(child(rv, "searchIndex"));
  content.view_manager = moref_of(child(rv, "viewManager"));
  content.customization_spec_manager = moref_of(child(rv, "customizationSpecManager"));
  content.root_folder = moref_of(child(rv, "rootFolder"));
  content.api_version = child(child(rv, "about"), "apiVersion").text().get();
  if (content.session_manager.empty() || content.property_collector.empty() || content.search_index.empty()) {
    return transient_error("vCenter " + config_.url + " answered RetrieveServiceContent without the managers");
  }
  {
    std::lock_guard lock(mu_);
    content_ = content;
  }
  std::string body = "<Login xmlns=\"urn:vim25\">" + moref_xml("_this", content.session_manager) +
                     text_xml("userName", config_.user) + text_xml("password", config_.password) + "</Login>";
  std::string cookie;
  auto login = post(send, body, {}, true, &cookie);
  if (!login.ok()) {
    VsphereError e = login.error();
    if (e.fault_type == "InvalidLogin") {
      e.message = "vCenter " + config_.url + " refused the login of user '" + config_.user +
                  "' (InvalidLogin): wrong user or password";
      e.field_path = "/password";
    }
    return e;
  }
  if (cookie.empty()) {
    return transient_error("vCenter " + config_.url + " accepted the login but set no " + kCookieName + " cookie");
  }
  std::lock_guard lock(mu_);
  cookie_ = cookie;
  return cookie;
}

Outcome<SoapAnswer> VimSession::call(const HttpSend& send, std::string_view body, int64_t timeout_ms) {
  std::string cookie;
  {
    std::lock_guard lock(mu_);
    cookie = cookie_;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (cookie.empty()) {
      auto fresh = login(send);
      if (!fresh.ok()) return fresh.error();
      cookie = fresh.value();
    }
    auto answer = post(send, body, cookie, false, nullptr, timeout_ms);
    bool expired = answer.ok() ? missing_for_lack_of_session(answer.value().response)
                               : answer.error().fault_type == "NotAuthenticated";
    if (!expired) return answer;
    {
      std::lock_guard lock(mu_);
      if (cookie_ == cookie) cookie_.clear();
    }
    cookie.clear();
  }
  return VsphereError{
      pv1::ERROR_CLASS_AUTH,
      "vCenter " + config_.url + " says NotAuthenticated right after a fresh login of '" + config_.user + "'",
      {},
      "NotAuthenticated"};
}

Outcome<ServiceContent> VimSession::content(const HttpSend& send) {
  {
    std::lock_guard lock(mu_);
    if (!cookie_.empty()) return content_;
  }
  auto fresh = login(send);
  if (!fresh.ok()) return fresh.error();
  std::lock_guard lock(mu_);
  return content_;
}

void VimSession::logout(const HttpSend& send) {
  std::string cookie;
  MoRef session_manager;
  {
    std::lock_guard lock(mu_);
    cookie.swap(cookie_);
    session_manager = content_.session_manager;
  }
  if (cookie.empty()) return;
  // Best effort: a session not logged out expires on the vCenter by itself.
  (void)post(send, "<Logout xmlns=\"urn:vim25\">" + moref_xml("_this", session_manager) + "</Logout>", cookie, false,
             nullptr);
}

bool VimSession::logged_in() const {
  std::lock_guard lock(mu_);
  return !cookie_.empty();
}

}  // namespace corral::vsphere
