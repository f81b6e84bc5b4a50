#include "common/http/redaction.h"

#include <initializer_list>

#include "common/encoding.h"
#include "common/text.h"

namespace corral::http {
namespace {

// "%74oken" must not slip past the name checks.
std::string decode_name(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit_value(s[i + 1]) >= 0 && hex_digit_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit_value(s[i + 1]) * 16 + hex_digit_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool contains_any(const std::string& s, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    if (s.find(w) != std::string::npos) return true;
  }
  return false;
}

// Appends "a=1&sig=2;b=3" to OUT with the secret values replaced.
void redact_parameters(std::string_view params, std::string& out) {
  size_t pos = 0;
  while (true) {
    size_t end = params.find_first_of("&;", pos);
    if (end == std::string_view::npos) end = params.size();
    std::string_view param = params.substr(pos, end - pos);
    size_t eq = param.find('=');
    if (eq != std::string_view::npos && is_secret_query_parameter(param.substr(0, eq))) {
      out.append(param.substr(0, eq + 1)).append(kRedacted);
    } else {
      out.append(param);
    }
    if (end == params.size()) break;
    out.push_back(params[end]);
    pos = end + 1;
  }
}

}  // namespace

bool is_secret_query_parameter(std::string_view name) {
  std::string n = ascii_lower(decode_name(name));
  if (n == "sig" || n == "signature" || n == "token" || n == "key" || n == "code") return true;
  if (contains_any(
          n, {"token", "secret", "signature", "password", "passwd", "credential", "apikey", "api_key", "api-key"})) {
    return true;
  }
  return n.ends_with("key");
}

bool is_secret_header(std::string_view name) {
  for (std::string_view always : {"authorization", "proxy-authorization", "cookie", "set-cookie",
                                  "x-amz-security-token", "x-ms-authorization-auxiliary"}) {
    if (ascii_iequals(name, always)) return true;
  }
  return contains_any(ascii_lower(name),
                      {"token", "secret", "password", "signature", "credential", "api-key", "apikey", "api_key"});
}

std::string redact_url(std::string_view url) {
  std::string out;
  out.reserve(url.size());
  size_t scheme = url.find("://");
  size_t authority = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t authority_end = url.find_first_of("/?#", authority);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  size_t at = url.substr(0, authority_end).rfind('@');
  if (scheme != std::string_view::npos && at != std::string_view::npos && at >= authority) {
    out.append(url.substr(0, authority)).append(kRedacted).append(url.substr(at, authority_end - at));
  } else {
    out.append(url.substr(0, authority_end));
  }

  std::string_view rest = url.substr(authority_end);
  size_t hash = rest.find('#');
  std::string_view before_fragment = rest.substr(0, hash);
  size_t question = before_fragment.find('?');
  out.append(before_fragment.substr(0, question));
  if (question != std::string_view::npos) {
    out.push_back('?');
    redact_parameters(before_fragment.substr(question + 1), out);
  }
  if (hash != std::string_view::npos) {
    // OAuth puts tokens in the fragment ("#access_token=..."), in the same name=value form.
    out.push_back('#');
    redact_parameters(rest.substr(hash + 1), out);
  }
  return out;
}

}  // namespace corral::http
