#include "common/ws/envelope_codec.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

namespace corral::ws {
namespace {

using corral::agent::v1::Envelope;

Envelope sample_hello() {
  Envelope envelope;
  envelope.set_seq(1);
  auto* hello = envelope.mutable_hello();
  hello->set_agent_version("0.1.0");
  hello->set_os_family(agent::v1::OS_FAMILY_LINUX);
  hello->set_hostname("host-1");
  hello->add_addresses("10.0.0.1");
  hello->add_backends(agent::v1::BACKEND_KIND_XRDP);
  (*hello->mutable_labels())["gpu"] = "yes";
  return envelope;
}

TEST(EnvelopeCodec, RoundTrip) {
  Envelope envelopes[3] = {sample_hello(), {}, {}};
  envelopes[1].set_seq(42);
  envelopes[1].set_ack(41);
  envelopes[1].mutable_command()->set_command_id("c-1");
  envelopes[1].mutable_command()->mutable_drain()->set_enabled(true);
  envelopes[2].set_seq(UINT64_MAX);
  envelopes[2].mutable_heartbeat();  // an empty body message still counts as a body
  for (const Envelope& original : envelopes) {
    std::string bytes = encode_envelope(original);
    Result<Envelope> decoded = decode_envelope(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*decoded, original)) << decoded->DebugString();
  }
}

struct BadCase {
  const char* name;
  std::string bytes;
  const char* want;
};

TEST(EnvelopeCodec, Rejects) {
  Envelope no_body;
  no_body.set_seq(3);
  no_body.set_ack(2);
  Envelope seq_zero = sample_hello();
  seq_zero.set_seq(0);
  std::string full = encode_envelope(sample_hello());
  const BadCase cases[] = {
      {"garbage", std::string("\xff\xff\xff\xff\xff\xff", 6), "frame is not a valid Envelope"},
      {"text", "hello, manager", "frame is not a valid Envelope"},
      {"truncated", full.substr(0, full.size() - 3), "frame is not a valid Envelope"},
      {"empty frame", "", "envelope has no body"},
      {"no body", encode_envelope(no_body), "envelope has no body"},
      {"seq 0", encode_envelope(seq_zero), "envelope seq is 0"},
  };
  for (const auto& c : cases) {
    Result<Envelope> decoded = decode_envelope(c.bytes);
    ASSERT_FALSE(decoded.ok()) << c.name;
    EXPECT_EQ(decoded.status().code(), ErrorCode::invalid_argument) << c.name;
    EXPECT_EQ(decoded.status().message(), c.want) << c.name;
  }
}

TEST(EnvelopeCodec, BodyFromANewerVersionDecodesAsUnknownForTheReceiverToSkip) {
  Envelope no_body;
  no_body.set_seq(3);
  // Field 99, varint: a oneof member added to v1 after this build.
  std::string future = encode_envelope(no_body) + std::string("\x98\x06\x01", 3);
  Result<Envelope> decoded = decode_envelope(future);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->body_case(), Envelope::BODY_NOT_SET);
  EXPECT_TRUE(carries_unknown_body(*decoded));
  EXPECT_EQ(decoded->seq(), 3u);
  EXPECT_FALSE(carries_unknown_body(sample_hello()));
}

TEST(EnvelopeCodec, EveryTruncationOfAValidFrameFailsOrStaysConsistent) {
  std::string full = encode_envelope(sample_hello());
  // Cutting inside the hello body must never produce a "valid" envelope with a partial hello.
  for (size_t n = 0; n < full.size(); ++n) {
    Result<Envelope> decoded = decode_envelope(full.substr(0, n));
    EXPECT_FALSE(decoded.ok()) << "prefix of " << n << " bytes decoded";
  }
}

}  // namespace
}  // namespace corral::ws
