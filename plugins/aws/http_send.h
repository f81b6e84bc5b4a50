// How the AWS plugin's clients reach the network: a function that sends one request. In the
// plugin it is the host HTTP service of the current call (sdk::Call::http): a plugin never opens
// a socket. Tests bind it to a real HTTP client against loopback servers.
#pragma once

#include <cctype>
#include <functional>
#include <string>
#include <string_view>

#include "corral/sdk/host.h"

namespace corral::aws {

using HttpSend = std::function<sdk::HttpResult(const sdk::pv1::HttpRequest&)>;

// The first value of header NAME (case-insensitive) in RESPONSE, or "".
inline std::string response_header(const sdk::pv1::HttpResponse& response, std::string_view name) {
  for (const auto& h : response.headers()) {
    if (h.name().size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(h.name()[i])) == std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return h.value();
  }
  return {};
}

// "transport error: ..." / "DEADLINE: ..." for a request that got no answer.
inline std::string no_answer_reason(const sdk::HttpResult& r) {
  if (r.status != CORRAL_OK) {
    const char* name = corral_status_name(r.status);
    return std::string(name != nullptr ? name : "status " + std::to_string(r.status)) +
           (r.status_message.empty() ? "" : ": " + r.status_message);
  }
  return r.response.transport_error();
}

}  // namespace corral::aws
