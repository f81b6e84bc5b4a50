// The pipe protocol between the manager and corral-plugin-host (docs/plugin-abi.md, "Process
// isolation"). Every frame starts with a 4-byte big-endian length of the rest (at most
// kMaxFrameBytes), then:
//   request  (manager → host): u64 id, u32 method, u32 timeout_ms, request bytes
//   response (host → manager): u64 id, i32 status, response bytes (or the plugin's explanation)
// The host's first frame is the answer to an implicit Describe, with id 0, sent once the plugin
// loaded; if loading fails it writes the reason to stderr and exits with status 3.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace corral::manager::providers::pipe_protocol {

inline constexpr uint32_t kMaxFrameBytes = 64u * 1024 * 1024;
inline constexpr int kLoadFailedExitCode = 3;

struct Request {
  uint64_t id = 0;
  uint32_t method = 0;
  uint32_t timeout_ms = 0;
  std::string payload;
};

struct Response {
  uint64_t id = 0;
  int32_t status = 0;
  std::string payload;
};

std::string encode(const Request& r);
std::string encode(const Response& r);
// Decode the body of a frame (after the length); nullopt if it is too short.
std::optional<Request> decode_request(const std::string& body);
std::optional<Response> decode_response(const std::string& body);

// Blocking I/O on a pipe, retrying on EINTR. read_frame returns nullopt on EOF, on an error or
// on a length above kMaxFrameBytes.
bool write_all(int fd, const std::string& bytes);
// The same on a socket, without SIGPIPE when the peer is gone.
bool send_all(int fd, const std::string& bytes);
std::optional<std::string> read_frame(int fd);

}  // namespace corral::manager::providers::pipe_protocol
