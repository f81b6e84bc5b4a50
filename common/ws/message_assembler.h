// Reassembles one websocket message from the fragments libwebsockets delivers (it splits both
// websocket fragments and large frames), refusing to buffer more than a set size. Used by the
// manager's and the agent's channel code; it knows nothing about libwebsockets itself.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace corral::ws {

// Not thread-safe: one per connection, driven from that connection's service thread.
class MessageAssembler {
 public:
  explicit MessageAssembler(size_t max_message_bytes);

  enum class Outcome { need_more, complete, too_large, protocol_error };

  // first/final: lws_is_first_fragment / lws_is_final_fragment for this callback. A fragment
  // flagged first while a message is in progress, or a continuation with no message in progress,
  // is protocol_error. After complete, message() holds the bytes until the next append. After
  // too_large or protocol_error the connection is to be closed: every later append returns the
  // same outcome and the buffer is released.
  Outcome append(std::string_view fragment, bool first, bool final);

  // The last completed message; empty unless the last append returned complete.
  const std::string& message() const;
  size_t max_message_bytes() const { return max_message_bytes_; }

 private:
  size_t max_message_bytes_;
  std::string buffer_;
  bool in_progress_ = false;
  bool complete_ = false;
  // need_more while healthy; the sticky failure otherwise.
  Outcome failure_ = Outcome::need_more;
};

}  // namespace corral::ws
