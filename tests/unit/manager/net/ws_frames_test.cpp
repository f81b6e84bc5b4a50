// The agent listener's own websocket framing: every client frame RFC 6455 says a server must
// refuse is refused with the right close code, and good frames come out whole and unmasked.
#include "manager/net/ws_frames.h"

#include <gtest/gtest.h>

namespace corral::manager::wsframe {
namespace {

// A client frame: masked unless told otherwise; LENGTH_OVERRIDE writes another length field.
std::string client_frame(uint8_t first_byte, std::string_view payload, bool masked = true) {
  std::string f;
  f.push_back(static_cast<char>(first_byte));
  size_t n = payload.size();
  uint8_t mask_bit = masked ? 0x80 : 0;
  if (n < 126) {
    f.push_back(static_cast<char>(mask_bit | n));
  } else if (n <= 0xffff) {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xff));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((uint64_t{n} >> (8 * i)) & 0xff));
  }
  const char mask[4] = {0x11, 0x22, 0x33, 0x44};
  if (masked) f.append(mask, 4);
  for (size_t i = 0; i < n; ++i) f.push_back(masked ? static_cast<char>(payload[i] ^ mask[i % 4]) : payload[i]);
  return f;
}

TEST(WsFrameReaderTest, MaskedFramesComeOutWholeAndUnmaskedEvenByteByByte) {
  FrameReader reader(1 << 20);
  std::string big(70000, 'x');
  std::string bytes =
      client_frame(0x82, "hello") + client_frame(0x02, "frag") + client_frame(0x80, big) + client_frame(0x89, "ping");
  Frame f;
  std::vector<Frame> frames;
  for (char c : bytes) {
    reader.append(std::string_view(&c, 1));
    while (reader.next(&f) == FrameReader::Outcome::frame) frames.push_back(f);
  }
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[0].opcode, kBinary);
  EXPECT_TRUE(frames[0].fin);
  EXPECT_EQ(frames[0].payload, "hello");
  EXPECT_FALSE(frames[1].fin);
  EXPECT_EQ(frames[2].opcode, kContinuation);
  EXPECT_EQ(frames[2].payload, big);
  EXPECT_EQ(frames[3].opcode, kPing);
  EXPECT_EQ(frames[3].payload, "ping");
}

struct BadFrame {
  const char* name;
  std::string bytes;
  uint16_t code;
};

TEST(WsFrameReaderTest, FramesAServerMustRefuseAreRefusedWithTheirCode) {
  std::string huge_length = client_frame(0x82, "");
  huge_length[1] = static_cast<char>(0x80 | 127);
  huge_length.insert(2, std::string("\x80\0\0\0\0\0\0\0", 8));
  const BadFrame cases[] = {
      {"unmasked", client_frame(0x82, "x", false), 1002},
      {"reserved bit", client_frame(0xC2, "x"), 1002},
      {"unknown opcode", client_frame(0x83, "x"), 1002},
      {"fragmented ping", client_frame(0x09, "x"), 1002},
      {"long close", client_frame(0x88, std::string(126, 'x')), 1002},
      {"length with top bit", huge_length, 1002},
      {"over the limit", client_frame(0x82, std::string(1025, 'x')), 1009},
  };
  for (const BadFrame& c : cases) {
    FrameReader reader(1024);
    // Only the header is needed to judge each of them.
    reader.append(std::string_view(c.bytes).substr(0, std::min<size_t>(c.bytes.size(), 14)));
    Frame f;
    EXPECT_EQ(reader.next(&f), FrameReader::Outcome::error) << c.name;
    EXPECT_EQ(reader.error_code(), c.code) << c.name;
    EXPECT_FALSE(reader.error_reason().empty()) << c.name;
    reader.append(client_frame(0x82, "fine"));
    EXPECT_EQ(reader.next(&f), FrameReader::Outcome::error) << c.name << ": errors are final";
  }
}

TEST(WsFrameReaderTest, ServerFramesAreUnmaskedWithTheShortestLength) {
  std::string small = server_frame(kBinary, "abc", 4);
  EXPECT_EQ(small, std::string("\0\0\0\0\x82\x03"
                               "abc",
                               9));
  std::string medium = server_frame(kBinary, std::string(300, 'y'), 0);
  EXPECT_EQ(static_cast<uint8_t>(medium[1]), 126);
  EXPECT_EQ(medium.size(), 4u + 300);
  std::string large = server_frame(kBinary, std::string(70000, 'z'), 0);
  EXPECT_EQ(static_cast<uint8_t>(large[1]), 127);
  EXPECT_EQ(large.size(), 10u + 70000);
  std::string close = close_payload(4003, std::string(200, 'r'));
  EXPECT_EQ(close.size(), 125u);
  EXPECT_EQ(static_cast<uint8_t>(close[0]), 0x0f);
  EXPECT_EQ(static_cast<uint8_t>(close[1]), 0xa3);
}

}  // namespace
}  // namespace corral::manager::wsframe
