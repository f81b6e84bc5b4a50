// Setting names and values follow the published list of RDP file properties; only the ones a
// client needs to reach the server are written, so the user's own client settings apply to the
// rest.
#include "manager/broker/rdp_file.h"

#include <string_view>

namespace corral::broker {
namespace {

Status check_value(std::string_view value, const char* what) {
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return error(ErrorCode::invalid_argument,
                   std::string("the ") + what + " holds a control character and cannot go into an .rdp file");
    }
  }
  return {};
}

// An IPv6 address needs brackets before a ":port" is added to it.
std::string host_and_port(const std::string& host, uint32_t port) {
  bool bare_ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  return (bare_ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

void add(std::string& out, std::string_view name, std::string_view type, std::string_view value) {
  out.append(name).append(":").append(type).append(":").append(value).append("\r\n");
}

}  // namespace

Result<std::string> render_rdp_file(const ConnectionDetails& connection, const store::RdGateway& gateway) {
  if (connection.type != store::ConnectionType::rdp) {
    return error(ErrorCode::failed_precondition, std::string("server ") + connection.hostname + " takes " +
                                                     store::connection_type_name(connection.type) +
                                                     " connections, not RDP: there is no .rdp file for it");
  }
  if (connection.address.empty()) {
    return error(ErrorCode::failed_precondition, "server " + connection.hostname + " has no address");
  }
  if (Status s = check_value(connection.address, "server address"); !s.ok()) return s;
  if (Status s = check_value(connection.username, "connection user name"); !s.ok()) return s;
  if (Status s = check_value(gateway.hostname, "RD Gateway hostname"); !s.ok()) return s;

  std::string out;
  add(out, "full address", "s", host_and_port(connection.address, connection.port));
  add(out, "server port", "i", std::to_string(connection.port));
  add(out, "username", "s", connection.username);
  if (!gateway.hostname.empty()) {
    // The default port is left out, as clients write it.
    std::string host = gateway.port == 0 || gateway.port == store::kDefaultRdGatewayPort
                           ? gateway.hostname
                           : host_and_port(gateway.hostname, gateway.port);
    add(out, "gatewayhostname", "s", host);
    add(out, "gatewayusagemethod", "i", "1");         // always through the gateway
    add(out, "gatewayprofileusagemethod", "i", "1");  // these settings, not the client's defaults
    add(out, "gatewaycredentialssource", "i", "0");   // ask for a password
  }
  return out;
}

std::string rdp_file_name(const std::string& hostname) {
  std::string name;
  for (char c : hostname) {
    bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    name.push_back(plain ? c : '_');
  }
  if (name.empty() || name.front() == '.') name.insert(name.begin(), '_');
  return name + ".rdp";
}

}  // namespace corral::broker
