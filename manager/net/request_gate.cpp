#include "manager/net/request_gate.h"

namespace corral::manager {
namespace {

// The next non-empty segment of `path` from `*at`, or empty at the end.
std::string_view next_segment(std::string_view path, size_t* at) {
  while (*at < path.size() && path[*at] == '/') ++*at;
  size_t end = path.find('/', *at);
  if (end == std::string_view::npos) end = path.size();
  std::string_view segment = path.substr(*at, end - *at);
  *at = end;
  return segment;
}

// Segment by segment as the router compares them (empty segments ignored), a "{name}" segment of
// the route standing for any one segment. Percent-encoding is the router's to judge: the core
// checks every request again.
bool matches(std::string_view route, std::string_view path) {
  size_t r = 0, p = 0;
  while (true) {
    std::string_view want = next_segment(route, &r);
    std::string_view got = next_segment(path, &p);
    if (want.empty() || got.empty()) return want.empty() && got.empty();
    bool capture = want.size() > 2 && want.front() == '{' && want.back() == '}';
    if (!capture && want != got) return false;
  }
}

}  // namespace

GateVerdict BearerTokenGate::admit(const RequestHead& head) const {
  for (const PublicRoute& route : public_routes_) {
    if (head.method == route.method && matches(route.path, head.path)) return GateVerdict::admit(route.max_body_bytes);
  }
  if (authorize_(head.authorization)) return GateVerdict::admit();
  return GateVerdict::refuse(401, "unauthenticated", std::string(kUnauthenticatedMessage));
}

}  // namespace corral::manager
