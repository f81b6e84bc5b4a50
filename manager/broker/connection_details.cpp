#include "manager/broker/connection_details.h"

namespace corral::broker {
namespace {

constexpr std::string_view kSsoUsername = "{sso_username}";

std::string with_user(std::string text, const std::string& user) {
  for (size_t at = text.find(kSsoUsername); at != std::string::npos; at = text.find(kSsoUsername, at + user.size())) {
    text.replace(at, kSsoUsername.size(), user);
  }
  return text;
}

}  // namespace

ConnectionDetails connection_details(const store::ServerRecord& server, const std::string& user) {
  ConnectionDetails out;
  out.server_id = server.id;
  out.hostname = server.hostname;
  out.address = server.address;
  out.type = server.connection_type;
  out.port =
      server.connection_port != 0 ? server.connection_port : store::default_connection_port(server.connection_type);
  out.username = with_user(server.connection_username, user);
  out.password_stored = !server.connection_password_sealed.empty();
  return out;
}

}  // namespace corral::broker
