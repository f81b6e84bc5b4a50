#include "common/ws/message_assembler.h"

#include <gtest/gtest.h>

#include <vector>

namespace corral::ws {
namespace {

using Outcome = MessageAssembler::Outcome;

struct Fragment {
  std::string bytes;
  bool first;
  bool final;
  Outcome want;
};

struct SplitCase {
  const char* name;
  size_t limit;
  std::vector<Fragment> fragments;
  // message() after the last fragment.
  std::string message;
};

TEST(MessageAssembler, Sequences) {
  const SplitCase cases[] = {
      {"single frame", 16, {{"hello", true, true, Outcome::complete}}, "hello"},
      {"empty message", 16, {{"", true, true, Outcome::complete}}, ""},
      {"three fragments",
       16,
       {{"ab", true, false, Outcome::need_more},
        {"cd", false, false, Outcome::need_more},
        {"ef", false, true, Outcome::complete}},
       "abcdef"},
      {"empty fragments on the way",
       16,
       {{"", true, false, Outcome::need_more},
        {"x", false, false, Outcome::need_more},
        {"", false, true, Outcome::complete}},
       "x"},
      {"exactly at limit",
       4,
       {{"ab", true, false, Outcome::need_more}, {"cd", false, true, Outcome::complete}},
       "abcd"},
      {"limit plus one across fragments",
       4,
       {{"ab", true, false, Outcome::need_more}, {"cde", false, true, Outcome::too_large}},
       ""},
      {"limit plus one in one frame", 4, {{"abcde", true, true, Outcome::too_large}}, ""},
      {"too large stays failed",
       4,
       {{"abcde", true, true, Outcome::too_large}, {"a", true, true, Outcome::too_large}},
       ""},
      {"continuation without first", 16, {{"ab", false, true, Outcome::protocol_error}}, ""},
      {"continuation after complete",
       16,
       {{"ab", true, true, Outcome::complete}, {"cd", false, true, Outcome::protocol_error}},
       ""},
      {"first while in progress",
       16,
       {{"ab", true, false, Outcome::need_more}, {"cd", true, true, Outcome::protocol_error}},
       ""},
      {"protocol error stays failed",
       16,
       {{"ab", false, false, Outcome::protocol_error}, {"ab", true, true, Outcome::protocol_error}},
       ""},
      {"reuse after complete",
       4,
       {{"abcd", true, true, Outcome::complete},
        {"xy", true, false, Outcome::need_more},
        {"z", false, true, Outcome::complete}},
       "xyz"},
      {"limit applies per message",
       4,
       {{"abcd", true, true, Outcome::complete}, {"efgh", true, true, Outcome::complete}},
       "efgh"},
      {"zero limit", 0, {{"", true, true, Outcome::complete}, {"a", true, true, Outcome::too_large}}, ""},
  };
  for (const auto& c : cases) {
    MessageAssembler assembler(c.limit);
    EXPECT_EQ(assembler.max_message_bytes(), c.limit);
    for (size_t i = 0; i < c.fragments.size(); ++i) {
      const Fragment& f = c.fragments[i];
      EXPECT_EQ(assembler.append(f.bytes, f.first, f.final), f.want) << c.name << ", fragment " << i;
    }
    EXPECT_EQ(assembler.message(), c.message) << c.name;
  }
}

TEST(MessageAssembler, MessageHeldUntilNextAppend) {
  MessageAssembler assembler(64);
  ASSERT_EQ(assembler.append("one", true, true), Outcome::complete);
  EXPECT_EQ(assembler.message(), "one");
  EXPECT_EQ(assembler.message(), "one");
  ASSERT_EQ(assembler.append("tw", true, false), Outcome::need_more);
  // A partial message is not a message.
  EXPECT_EQ(assembler.message(), "");
  ASSERT_EQ(assembler.append("o", false, true), Outcome::complete);
  EXPECT_EQ(assembler.message(), "two");
}

TEST(MessageAssembler, BinaryBytesSurvive) {
  MessageAssembler assembler(8);
  std::string part1("\x00\xff", 2);
  std::string part2("\x00\x01", 2);
  ASSERT_EQ(assembler.append(part1, true, false), Outcome::need_more);
  ASSERT_EQ(assembler.append(part2, false, true), Outcome::complete);
  EXPECT_EQ(assembler.message(), part1 + part2);
}

TEST(MessageAssembler, HugeFragmentDoesNotWrapTheSizeCheck) {
  MessageAssembler assembler(static_cast<size_t>(-1) - 1);
  // The check must not overflow for a limit near SIZE_MAX; a small fragment still fits.
  EXPECT_EQ(assembler.append("abc", true, true), Outcome::complete);
}

}  // namespace
}  // namespace corral::ws
