// The manager <-> corral-plugin-host wire (plugin_host_protocol.h) over a real socket pair: every
// frame type round-trips, large bodies arrive whole, and each way a stream can go wrong gives the
// status the reader acts on.
#include "manager/providers/plugin_host_protocol.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace corral::manager::providers::pipe_protocol {
namespace {

class PipeProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_), 0); }
  void TearDown() override {
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }
  void close_writer() {
    ::close(fds_[1]);
    fds_[1] = -1;
  }
  int reader() const { return fds_[0]; }
  int writer() const { return fds_[1]; }

  int fds_[2] = {-1, -1};
};

TEST_F(PipeProtocolTest, EveryFrameTypeRoundTrips) {
  Frame call;
  call.type = FrameType::call;
  call.id = 0x0102030405060708ull;
  call.method = 3;
  call.timeout_ms = 30000;
  call.payload = std::string("req\0uest", 8);
  Frame result;
  result.type = FrameType::result;
  result.id = 7;
  result.status = -5;  // negative statuses survive the unsigned encoding
  result.payload = "why";
  Frame cancel;
  cancel.type = FrameType::cancel;
  cancel.id = 9;
  cancel.payload = "ignored";  // a cancel carries nothing
  for (const Frame& f : {call, result, cancel}) ASSERT_TRUE(write_all(writer(), *encode(f)));

  std::string body;
  ASSERT_EQ(read_frame(reader(), &body, 1000), ReadStatus::ok);
  auto got = decode(body);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->type, FrameType::call);
  EXPECT_EQ(got->id, call.id);
  EXPECT_EQ(got->method, 3u);
  EXPECT_EQ(got->timeout_ms, 30000u);
  EXPECT_EQ(got->payload, call.payload);

  ASSERT_EQ(read_frame(reader(), &body, 1000), ReadStatus::ok);
  got = decode(body);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->type, FrameType::result);
  EXPECT_EQ(got->status, -5);
  EXPECT_EQ(got->payload, "why");

  ASSERT_EQ(read_frame(reader(), &body, 1000), ReadStatus::ok);
  got = decode(body);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->type, FrameType::cancel);
  EXPECT_EQ(got->id, 9u);
  EXPECT_EQ(got->payload, "");

  close_writer();
  EXPECT_EQ(read_frame(reader(), &body, 1000), ReadStatus::eof) << "the end of input between frames is a clean end";
}

TEST_F(PipeProtocolTest, ABodyLargerThanTheSocketBufferArrivesWhole) {
  Frame f;
  f.type = FrameType::result;
  f.id = 1;
  f.payload.resize(3 * 1024 * 1024 + 17);
  for (size_t i = 0; i < f.payload.size(); ++i) f.payload[i] = static_cast<char>(i * 31);
  std::string bytes = *encode(f);
  std::thread w([&] { EXPECT_TRUE(write_all(writer(), bytes, 10000)); });
  std::string body;
  EXPECT_EQ(read_frame(reader(), &body, 10000), ReadStatus::ok);
  w.join();
  auto got = decode(body);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->payload, f.payload);
}

TEST_F(PipeProtocolTest, FramesOverTheLimitAreNeitherMadeNorAccepted) {
  Frame f;
  f.type = FrameType::call;
  f.payload.resize(kMaxFrameBytes);  // plus the header: one frame too many
  EXPECT_FALSE(encode(f).has_value());
  f.payload.resize(kMaxFrameBytes - 17);  // exactly the limit with its 17 header bytes
  ASSERT_TRUE(encode(f).has_value());

  const char too_big[] = {0x01, 0x00, 0x00, 0x01};  // 16 MiB + 1
  ASSERT_EQ(::write(writer(), too_big, 4), 4);
  std::string body;
  EXPECT_EQ(read_frame(reader(), &body, 1000), ReadStatus::too_large);
}

TEST_F(PipeProtocolTest, AnEmptyFrameIsOutOfBounds) {
  const char empty[] = {0, 0, 0, 0};
  ASSERT_EQ(::write(writer(), empty, 4), 4);
  std::string body;
  EXPECT_EQ(read_frame(reader(), &body, 1000), ReadStatus::too_large);
}

TEST_F(PipeProtocolTest, AStreamCutInsideAFrameIsBrokenNotEnded) {
  // Cut inside the length...
  ASSERT_EQ(::write(writer(), "\0\0", 2), 2);
  close_writer();
  std::string body;
  EXPECT_EQ(read_frame(reader(), &body, 1000), ReadStatus::io_error);

  // ...and inside the body.
  ::close(fds_[0]);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_), 0);
  Frame f;
  f.type = FrameType::result;
  f.payload = "0123456789";
  std::string bytes = *encode(f);
  ASSERT_TRUE(write_all(writer(), bytes.substr(0, bytes.size() - 3)));
  close_writer();
  EXPECT_EQ(read_frame(reader(), &body, 1000), ReadStatus::io_error);
}

TEST_F(PipeProtocolTest, AReadGivesUpAtItsTimeout) {
  Frame f;
  f.type = FrameType::result;
  f.payload = "late";
  std::string bytes = *encode(f);
  ASSERT_TRUE(write_all(writer(), bytes.substr(0, 6)));  // part of a frame, then silence
  std::string body;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(read_frame(reader(), &body, 100), ReadStatus::timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

TEST_F(PipeProtocolTest, BodiesThatDoNotFitTheirTypeDoNotDecode) {
  std::string id(8, '\0');
  EXPECT_FALSE(decode(std::string("\x03", 1) + id + "short"));  // call without method and timeout
  EXPECT_FALSE(decode(std::string("\x05", 1) + id + "ab"));     // result without a whole status
  EXPECT_FALSE(decode(std::string("\x04", 1) + id + "x"));      // cancel with a payload
  EXPECT_FALSE(decode(std::string("\x09", 1) + id));            // unknown type
  EXPECT_FALSE(decode(std::string("\x01", 1) + "1234567"));     // id cut short
  EXPECT_TRUE(decode(std::string("\x01", 1) + id));             // an empty hello is a hello
}

}  // namespace
}  // namespace corral::manager::providers::pipe_protocol
