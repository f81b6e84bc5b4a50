// The wire between the manager and corral-plugin-host (docs/plugin-abi.md, "Process isolation").
// A frame is a 4-byte big-endian length of its body (1 to kMaxFrameBytes), then the body:
//   u8 type, u64 id (big-endian), then by type:
//   hello   manager → host, id 0, first frame: serialized corral.config.v1.PluginHttpConfig
//   ready   host → manager, id 0, answer to hello: i32 status, then the plugin's DescribeResponse
//           (status CORRAL_OK) or why the plugin was not loaded (UTF-8; the host then exits 3)
//   call    manager → host: u32 method, u32 timeout_ms (0: none), the request bytes
//   cancel  manager → host: nothing; the call of that id is cancelled
//   result  host → manager: i32 status, the plugin's response (or its explanation)
// Nothing else is accepted: an unknown type, a short body or an oversized frame ends the channel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace corral::manager::providers::pipe_protocol {

// Largest frame body either side sends or accepts. Provider messages are small (a ListVms of a
// few thousand VMs is well under 1 MiB); the bound keeps a confused peer from making the other
// allocate without limit.
inline constexpr uint32_t kMaxFrameBytes = 16u * 1024 * 1024;
// corral-plugin-host's exit status when it could not load the plugin.
inline constexpr int kLoadFailedExitCode = 3;
// ... and when the manager broke the protocol.
inline constexpr int kProtocolErrorExitCode = 4;

enum class FrameType : uint8_t { hello = 1, ready = 2, call = 3, cancel = 4, result = 5 };

struct Frame {
  FrameType type = FrameType::call;
  uint64_t id = 0;
  uint32_t method = 0;      // call
  uint32_t timeout_ms = 0;  // call
  int32_t status = 0;       // ready, result
  std::string payload;      // hello, ready, call, result
};

// The frame with its length prefix; nullopt when the body would exceed kMaxFrameBytes.
std::optional<std::string> encode(const Frame& frame);
// Parses a body (without the length); nullopt for an unknown type or a body too short for it.
std::optional<Frame> decode(const std::string& body);

enum class ReadStatus { ok, eof, too_large, io_error, timeout };

// Reads one frame body. With timeout_ms >= 0 it gives up with ReadStatus::timeout when no whole
// frame arrived in that time (the channel is then unusable: part of a frame may have been read).
ReadStatus read_frame(int fd, std::string* body, int timeout_ms = -1);

// Writes all of BYTES, retrying on EINTR, never raising SIGPIPE. With timeout_ms >= 0 it gives up
// when the peer does not take the bytes in that time. False on any failure.
bool write_all(int fd, const std::string& bytes, int timeout_ms = -1);

}  // namespace corral::manager::providers::pipe_protocol
