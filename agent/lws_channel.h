// The agent's network thread: one libwebsockets client context with one client vhost holding the
// agent's certificate, key and the manager's CA, and at most one websocket to the agent listener
// at a time. AgentRuntime starts it after enrollment and drives it through the Channel interface.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "agent/channel.h"
#include "agent/endpoint.h"
#include "common/result.h"

namespace corral::agent {

struct LwsChannelOptions {
  Endpoint endpoint;
  std::string certificate_pem;
  std::string private_key_pem;  // secret
  std::string ca_pem;
  size_t max_message_bytes = 1024 * 1024;
  // Frames waiting for the socket beyond this mean the manager stopped reading: reconnect.
  size_t max_queued_frames = 1024;
};

class LwsChannel final : public Channel {
 public:
  // Creates the context and starts the network thread; fails if the credentials do not load.
  static Result<std::unique_ptr<LwsChannel>> start(const LwsChannelOptions& options, ChannelEvents* events);
  ~LwsChannel() override;

  void connect(ConnectionId id) override;
  void send(ConnectionId id, const corral::agent::v1::Envelope& envelope) override;
  void close(ConnectionId id, uint16_t code, const std::string& reason) override;
  void stop() override;

  class Impl;

 private:
  explicit LwsChannel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace corral::agent
