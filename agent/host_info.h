// What the agent tells the manager about its host in Hello and EnrollRequest: name, OS version
// and addresses. The platform part lives in host_info_posix.cpp (a Windows file comes later).
#pragma once

#include <string>
#include <vector>

namespace corral::agent {

struct HostInfo {
  // Both printable UTF-8 within common/text.h's limits: anything else is replaced by '?' (and
  // logged), so a hostile host name cannot carry control characters to the manager.
  std::string hostname;
  std::string os_version;  // "Linux 6.1.0-18-amd64"
  // Textual IPv4/IPv6 addresses of interfaces that are up, without loopback and IPv6 link-local
  // ones (neither is reachable from the manager), sorted.
  std::vector<std::string> addresses;
};

HostInfo read_host_info();

}  // namespace corral::agent
