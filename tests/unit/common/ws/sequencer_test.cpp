#include "common/ws/sequencer.h"

#include <gtest/gtest.h>

namespace corral::ws {
namespace {

TEST(Sequencer, NumbersOutgoingFromOne) {
  Sequencer sequencer;
  EXPECT_EQ(sequencer.next_seq(), 1u);
  EXPECT_EQ(sequencer.next_seq(), 2u);
  EXPECT_EQ(sequencer.next_seq(), 3u);
  // Outgoing numbering does not touch the peer's side.
  EXPECT_EQ(sequencer.last_peer_seq(), 0u);
}

TEST(Sequencer, TracksPeerSeqForAcks) {
  Sequencer sequencer;
  EXPECT_EQ(sequencer.last_peer_seq(), 0u);
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    ASSERT_TRUE(sequencer.observe_peer_seq(seq).ok()) << seq;
    EXPECT_EQ(sequencer.last_peer_seq(), seq);
  }
  EXPECT_EQ(sequencer.next_seq(), 1u);
}

TEST(Sequencer, RejectsOutOfOrderPeerSeq) {
  struct Case {
    const char* name;
    uint64_t received;
    const char* want;
  };
  const Case cases[] = {
      {"repeat", 3, "peer seq out of order: expected 4, received 3"},
      {"step back", 1, "peer seq out of order: expected 4, received 1"},
      {"zero", 0, "peer seq out of order: expected 4, received 0"},
      {"gap", 6, "peer seq out of order: expected 4, received 6"},
  };
  for (const auto& c : cases) {
    Sequencer sequencer;
    for (uint64_t seq = 1; seq <= 3; ++seq) ASSERT_TRUE(sequencer.observe_peer_seq(seq).ok());
    Status status = sequencer.observe_peer_seq(c.received);
    EXPECT_EQ(status.code(), ErrorCode::invalid_argument) << c.name;
    EXPECT_EQ(status.message(), c.want) << c.name;
    // A rejected seq does not move the ack.
    EXPECT_EQ(sequencer.last_peer_seq(), 3u) << c.name;
    EXPECT_TRUE(sequencer.observe_peer_seq(4).ok()) << c.name;
  }
}

TEST(Sequencer, FirstPeerSeqMustBeOne) {
  Sequencer sequencer;
  Status status = sequencer.observe_peer_seq(0);
  EXPECT_EQ(status.message(), "peer seq out of order: expected 1, received 0");
  EXPECT_FALSE(sequencer.observe_peer_seq(2).ok());
  EXPECT_TRUE(sequencer.observe_peer_seq(1).ok());
}

}  // namespace
}  // namespace corral::ws
