#include "manager/api/router.h"

#include <algorithm>
#include <cstdlib>

#include "common/log.h"
#include "manager/api/query.h"

namespace corral::manager::api {
namespace {

bool is_capture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

[[noreturn]] void bad_route(const std::string& method, const std::string& pattern, const std::string& why) {
  log::error_before_abort("api.bad_route", {{"method", method}, {"pattern", pattern}, {"reason", why}});
  std::abort();
}

}  // namespace

const std::string& ApiRequest::param(std::string_view name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

std::optional<std::vector<std::string>> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) {
      auto segment = percent_decode(path.substr(i, j - i), /*plus_is_space=*/false);
      if (!segment || segment->find('/') != std::string::npos) return std::nullopt;
      out.push_back(std::move(*segment));
    }
    i = j + 1;
  }
  return out;
}

Router& Router::add(std::string method, std::string pattern, Access access, SyncHandler handler) {
  return add_route(Route{std::move(method), std::move(pattern), access, std::move(handler), {}});
}

Router& Router::add_async(std::string method, std::string pattern, Access access, AsyncHandler handler) {
  return add_route(Route{std::move(method), std::move(pattern), access, std::move(handler), {}});
}

Router& Router::add_route(Route route) {
  if (route.pattern.empty() || route.pattern.front() != '/') bad_route(route.method, route.pattern, "not absolute");
  // Captures are kept verbatim; literal segments are split like request paths.
  size_t i = 1;
  while (i <= route.pattern.size()) {
    size_t j = route.pattern.find('/', i);
    if (j == std::string::npos) j = route.pattern.size();
    if (j == i) bad_route(route.method, route.pattern, "empty segment");
    route.segments.push_back(route.pattern.substr(i, j - i));
    i = j + 1;
  }
  for (const Route& r : routes_) {
    if (r.method == route.method && r.segments.size() == route.segments.size() &&
        std::equal(
            r.segments.begin(), r.segments.end(), route.segments.begin(),
            [](const std::string& a, const std::string& b) { return a == b || (is_capture(a) && is_capture(b)); })) {
      bad_route(route.method, route.pattern, "overlaps " + r.method + " " + r.pattern);
    }
  }
  routes_.push_back(std::move(route));
  return *this;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  auto segments = split_path(path);
  if (!segments) {
    m.kind = Match::Kind::bad_path;
    m.problem = "the path has an invalid percent-encoding or a control character";
    return m;
  }
  // Literal segments win over captures: "/enroll/ca" is not "/enroll/{id}". Among the routes whose
  // pattern fits, the one with the most literal segments is chosen.
  int best_literals = -1;
  for (const Route& r : routes_) {
    if (r.segments.size() != segments->size()) continue;
    int literals = 0;
    bool fits = true;
    for (size_t i = 0; i < r.segments.size() && fits; ++i) {
      if (is_capture(r.segments[i])) continue;
      fits = r.segments[i] == (*segments)[i];
      ++literals;
    }
    if (!fits) continue;
    if (r.method != method) {
      if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end()) m.allowed.push_back(r.method);
      continue;
    }
    if (literals <= best_literals) continue;
    best_literals = literals;
    m.route = &r;
  }
  if (m.route == nullptr) {
    m.kind = m.allowed.empty() ? Match::Kind::not_found : Match::Kind::method_not_allowed;
    std::sort(m.allowed.begin(), m.allowed.end());
    return m;
  }
  m.kind = Match::Kind::found;
  m.allowed.clear();
  for (size_t i = 0; i < m.route->segments.size(); ++i) {
    const std::string& s = m.route->segments[i];
    if (is_capture(s)) m.params[s.substr(1, s.size() - 2)] = (*segments)[i];
  }
  return m;
}

}  // namespace corral::manager::api
