// Internals of LwsChannel shared by its two source files: the lifecycle, context and cross-thread
// queue (lws_channel.cpp) and the websocket callbacks of the one connection
// (lws_channel_protocol.cpp). Everything here except what inbox_mutex_ guards belongs to the
// network thread.
#pragma once

#include <libwebsockets.h>

#include <atomic>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "agent/lws_channel.h"
#include "common/ws/message_assembler.h"

namespace corral::agent {

// The one websocket connection of the channel. At namespace scope rather than nested in Impl:
// a nested class with default member initializers is not default-constructible for
// std::optional until Impl is complete, which clang enforces.
struct ChannelConnection {
  ConnectionId id = 0;
  lws* wsi = nullptr;
  bool open = false;  // the websocket handshake completed
  std::deque<std::string> outbox;
  std::optional<ws::MessageAssembler> assembler;
  uint16_t close_code = 0;  // non-zero: close once the outbox is written
  std::string close_reason;
  CloseInfo peer_close;  // what the manager's close frame said
};

class LwsChannel::Impl {
 public:
  struct Connect {
    ConnectionId id;
  };
  struct Send {
    ConnectionId id;
    std::string frame;  // LWS_PRE bytes of headroom, then the envelope
  };
  struct Close {
    ConnectionId id;
    uint16_t code;
    std::string reason;
  };
  using Command = std::variant<Connect, Send, Close>;

  Impl(LwsChannelOptions options, ChannelEvents* events) : options_(std::move(options)), events_(events) {}

  Status start();
  void stop();
  // Any thread: queue a command and wake the network thread; dropped once the loop has ended.
  void post(Command command);
  int callback(lws* wsi, lws_callback_reasons reason, void* in, size_t len);

 private:
  using Connection = ChannelConnection;

  void run(std::promise<Status>* started);
  Status create_context();
  // Network thread, when the loop has ended: later posts are dropped and nothing wakes the
  // context any more, so it may be destroyed.
  void close_inbox();
  void drain_inbox();
  void apply(Connect& c);
  void apply(Send& c);
  void apply(Close& c);
  // The connection WSI belongs to, or null when WSI is an older attempt's.
  Connection* current(lws* wsi);
  int receive(Connection& c, lws* wsi, const char* data, size_t len);
  int writable(Connection& c, lws* wsi);
  int refuse(Connection& c, lws* wsi, uint16_t code, std::string why);
  void report_closed(CloseInfo info);

  LwsChannelOptions options_;
  ChannelEvents* events_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;

  std::mutex stop_mutex_;  // one stop() at a time
  std::mutex inbox_mutex_;
  std::vector<Command> inbox_;
  bool inbox_open_ = false;  // guarded by inbox_mutex_: context_ is alive and will be drained

  // Network thread state.
  lws_context* context_ = nullptr;
  lws_vhost* vhost_ = nullptr;
  lws_protocols protocols_[2]{};
  std::optional<Connection> conn_;
};

}  // namespace corral::agent
