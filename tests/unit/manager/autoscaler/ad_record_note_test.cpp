// The note a create intent keeps about its server's AD computer record, and the orphan record
// sweep's decisions: announced once, removed after the grace period, forgotten when it goes.
#include "manager/autoscaler/ad_record_note.h"

#include <gtest/gtest.h>

namespace corral::autoscaler {
namespace {

TEST(AdRecordNote, RoundTripsAndAnIntentWithoutOneHasNone) {
  AdRecordNote note{"ldap-1", "OU=VMs,DC=example,DC=local", "corral-ab12", true, "", ""};
  auto back = decode_ad_note(encode_ad_note(note));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->ldap_config_id, "ldap-1");
  EXPECT_EQ(back->container_dn, "OU=VMs,DC=example,DC=local");
  EXPECT_EQ(back->hostname, "corral-ab12");
  EXPECT_TRUE(back->recursive_delete);
  EXPECT_TRUE(back->dn.empty());
  EXPECT_TRUE(back->password_sealed.empty());

  note.dn = "CN=corral-ab12,OU=VMs,DC=example,DC=local";
  note.password_sealed = "v1:sealed";
  back = decode_ad_note(encode_ad_note(note));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->dn, note.dn);
  EXPECT_EQ(back->password_sealed, "v1:sealed");

  EXPECT_FALSE(decode_ad_note("").has_value());
  EXPECT_FALSE(decode_ad_note("not json").has_value());
  EXPECT_FALSE(decode_ad_note(R"({"adRecord":{"hostname":"x"}})").has_value());  // where is it?
  EXPECT_NE(ad_join_password_aad("i1"), ad_join_password_aad("i2"));
}

TEST(RecordSweep, AnUnknownRecordIsAnnouncedOnceAndRemovedAfterTheGracePeriod) {
  std::map<std::string, int64_t> seen;
  const std::set<std::string> known{"corral-live"};
  RecordSweep first = sweep_records({"corral-live", "corral-lost"}, known, seen, 1000, 500);
  EXPECT_EQ(first.found, std::vector<std::string>{"corral-lost"});
  EXPECT_TRUE(first.remove.empty());

  RecordSweep early = sweep_records({"corral-live", "corral-lost"}, known, seen, 1499, 500);
  EXPECT_TRUE(early.found.empty());
  EXPECT_TRUE(early.remove.empty());

  RecordSweep late = sweep_records({"corral-live", "corral-lost"}, known, seen, 1500, 500);
  EXPECT_TRUE(late.found.empty());
  EXPECT_EQ(late.remove, std::vector<std::string>{"corral-lost"});
}

TEST(RecordSweep, ARecordClaimedOrGoneMeanwhileStartsOverIfItComesBack) {
  std::map<std::string, int64_t> seen;
  (void)sweep_records({"corral-a"}, {}, seen, 1000, 500);
  // Its server row appeared (a create under way when the sweep listed): no longer an orphan.
  RecordSweep claimed = sweep_records({"corral-a"}, {"corral-a"}, seen, 2000, 500);
  EXPECT_TRUE(claimed.remove.empty());
  EXPECT_TRUE(seen.empty());
  // Unknown again: the grace period starts again.
  RecordSweep again = sweep_records({"corral-a"}, {}, seen, 3000, 500);
  EXPECT_EQ(again.found, std::vector<std::string>{"corral-a"});
  EXPECT_TRUE(again.remove.empty());
  (void)sweep_records({}, {}, seen, 3100, 500);
  EXPECT_TRUE(seen.empty());
}

TEST(RecordSweep, NoGraceRemovesAtOnce) {
  std::map<std::string, int64_t> seen;
  RecordSweep now = sweep_records({"corral-x"}, {}, seen, 1000, 0);
  EXPECT_EQ(now.found, std::vector<std::string>{"corral-x"});
  EXPECT_EQ(now.remove, std::vector<std::string>{"corral-x"});
}

}  // namespace
}  // namespace corral::autoscaler
