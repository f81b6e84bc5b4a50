// The agent listener's address as enrollment handed it over ("wss://HOST:PORT/agent/v1"), split
// into what libwebsockets needs to connect. Used by AgentRuntime at start.
#pragma once

#include <string>

#include "common/result.h"

namespace corral::agent {

struct Endpoint {
  std::string host;
  int port = 443;
  std::string path = "/agent/v1";
};

// Only wss:// is accepted (the channel is mutual TLS). An IPv6 literal host is refused:
// libwebsockets 4.1 cuts the TLS host name at the first ':' and so can never verify it; give the
// manager a DNS name instead. Errors are invalid_argument and quote the URL.
Result<Endpoint> parse_endpoint(const std::string& url);

}  // namespace corral::agent
