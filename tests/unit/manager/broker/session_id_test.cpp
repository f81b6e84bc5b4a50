// Session ids: UUIDv7, so they sort by creation time (the store's indexes rely on it to append)
// and stay unique within one millisecond.
#include "manager/broker/session_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace corral::broker {
namespace {

TEST(SessionId, IsAVersion7UuidThatSortsByItsMillisecond) {
  const std::chrono::system_clock::time_point t{std::chrono::milliseconds(1'700'000'000'123)};
  const std::string a = time_ordered_uuid(t);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '7') << a;
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos) << a;
  EXPECT_EQ(a.substr(0, 13), "018bcfe5-687b") << "the first 48 bits are the unix milliseconds";
  const std::string later = time_ordered_uuid(t + std::chrono::milliseconds(1));
  EXPECT_LT(a, later);
}

TEST(SessionId, IdsOfOneMillisecondDiffer) {
  const std::chrono::system_clock::time_point t{std::chrono::milliseconds(1'700'000'000'000)};
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(time_ordered_uuid(t));
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace corral::broker
