#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "agent/host_info.h"
#include "common/log.h"
#include "common/text.h"

namespace corral::agent {
namespace {

std::string hostname() {
  char buf[HOST_NAME_MAX + 1] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}

std::string os_version() {
  utsname u{};
  if (::uname(&u) != 0) return {};
  return std::string(u.sysname) + " " + u.release;
}

std::vector<std::string> addresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || !(a->ifa_flags & IFF_UP) || (a->ifa_flags & IFF_LOOPBACK)) continue;
    char text[INET6_ADDRSTRLEN] = {0};
    if (a->ifa_addr->sa_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
      if (!::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) continue;
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(a->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) || IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) continue;
      if (!::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text)) continue;
    } else {
      continue;
    }
    out.emplace_back(text);
  }
  ::freeifaddrs(list);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Anyone who may set this host's name could otherwise put escape sequences or reordering marks in
// the manager's store, logs and operators' terminals; what goes out is printable UTF-8 only.
std::string printable(std::string value, std::string_view field, size_t max_len) {
  Status s = check_printable(value, field, max_len);
  if (s.ok()) return value;
  std::string clean = sanitize_printable(value, max_len);
  log::warn("agent.host_info_sanitized", {{"field", field}, {"why", s.message()}, {"sent_as", clean}});
  return clean;
}

}  // namespace

HostInfo read_host_info() {
  return HostInfo{printable(hostname(), "hostname", kMaxHostnameBytes),
                  printable(os_version(), "os_version", kMaxOsVersionBytes), addresses()};
}

}  // namespace corral::agent
