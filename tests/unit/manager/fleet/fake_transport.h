// Records what the core asks of the transport, for unit tests of fleet logic.
#pragma once

#include <map>
#include <vector>

#include "manager/net/transport.h"

namespace corral::manager::testing {

class FakeTransport final : public Transport {
 public:
  void send_envelope(ConnId conn, const corral::agent::v1::Envelope& envelope) override {
    sent[conn].push_back(envelope);
  }
  void close_agent(ConnId conn, uint16_t code, const std::string&) override { closed[conn] = code; }
  void send_http_response(ConnId conn, HttpResponse response) override { responses[conn] = std::move(response); }
  void add_revoked_serials(const std::vector<std::string>& serials) override {
    revoked.insert(revoked.end(), serials.begin(), serials.end());
  }

  std::map<ConnId, std::vector<corral::agent::v1::Envelope>> sent;
  std::map<ConnId, uint16_t> closed;
  std::map<ConnId, HttpResponse> responses;
  std::vector<std::string> revoked;
};

}  // namespace corral::manager::testing
