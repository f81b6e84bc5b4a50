#include "agent/endpoint.h"

#include <charconv>

namespace corral::agent {

Result<Endpoint> parse_endpoint(const std::string& url) {
  constexpr std::string_view kScheme = "wss://";
  auto bad = [&](const std::string& why) {
    return error(ErrorCode::invalid_argument, "agent endpoint '" + url + "' " + why);
  };
  if (!url.starts_with(kScheme)) return bad("must start with wss://");
  std::string rest = url.substr(kScheme.size());
  Endpoint out;
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) out.path = rest.substr(slash);
  if (authority.starts_with("[")) return bad("is an IPv6 literal, which cannot be verified; use a DNS name");
  size_t colon = authority.find(':');
  out.host = authority.substr(0, colon);
  if (out.host.empty()) return bad("has no host");
  if (colon != std::string::npos) {
    std::string port = authority.substr(colon + 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || out.port < 1 || out.port > 65535) {
      return bad("has an invalid port");
    }
  }
  if (out.path.empty()) out.path = "/agent/v1";
  return out;
}

}  // namespace corral::agent
