// Fuzzes the manager <-> corral-plugin-host channel (manager/providers/plugin_host_protocol.h):
// decode() on arbitrary frame bodies, and read_frame() on an arbitrary byte stream. What decodes
// must encode back to the same bytes (the format has one spelling per frame), what read_frame
// accepts is within the size bound, and nothing crashes or reads past its input.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "manager/providers/plugin_host_protocol.h"
#include "tests/fuzz/fuzz_check.h"

namespace pp = corral::manager::providers::pipe_protocol;

namespace {

void check_body(const std::string& body) {
  std::optional<pp::Frame> f = pp::decode(body);
  if (!f) return;
  std::optional<std::string> again = pp::encode(*f);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->size() == body.size() + 4);
  FUZZ_CHECK(again->compare(4, std::string::npos, body) == 0);
  std::optional<pp::Frame> g = pp::decode(again->substr(4));
  FUZZ_CHECK(g && g->type == f->type && g->id == f->id && g->method == f->method && g->timeout_ms == f->timeout_ms &&
             g->status == f->status && g->payload == f->payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  check_body(input);

  // The same bytes as a stream: a pipe holds 64 KiB, more than libFuzzer's inputs, so one write
  // fits and the reader sees the end of input after it.
  if (size > 60 * 1024) return 0;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return 0;
  FUZZ_CHECK(pp::write_all(fds[1], input));
  ::close(fds[1]);
  std::string body;
  size_t consumed = 0;
  while (true) {
    pp::ReadStatus s = pp::read_frame(fds[0], &body, 0);
    if (s != pp::ReadStatus::ok) {
      // A clean end only at a frame boundary; a frame cut short is a broken channel.
      FUZZ_CHECK(s != pp::ReadStatus::eof || consumed == size);
      break;
    }
    FUZZ_CHECK(!body.empty() && body.size() <= pp::kMaxFrameBytes);
    consumed += 4 + body.size();
    FUZZ_CHECK(consumed <= size);
    check_body(body);
  }
  ::close(fds[0]);
  return 0;
}
