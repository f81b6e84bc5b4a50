// What a user's client needs to reach the server a session was placed on, as the broker answers
// a placement. The stored connection password stays sealed: the broker neither opens nor returns
// it (docs/broker.md, "Connection details").
#pragma once

#include <cstdint>
#include <string>

#include "manager/store/broker_records.h"

namespace corral::broker {

struct ConnectionDetails {
  std::string server_id;
  std::string hostname;
  std::string address;
  store::ConnectionType type = store::ConnectionType::rdp;
  uint32_t port = 0;  // the type's default when the server names none
  // The server's connection user name, with "{sso_username}" replaced by the session's user.
  std::string username;
  // A password is stored for the server (sealed; "{sso_cred}" included).
  bool password_stored = false;
  bool operator==(const ConnectionDetails&) const = default;
};

ConnectionDetails connection_details(const store::ServerRecord& server, const std::string& user);

}  // namespace corral::broker
