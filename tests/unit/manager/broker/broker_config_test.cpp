// The broker's section of the manager config, and the API bound a burst of placements needs:
// their defaults and their bounds.
#include <gtest/gtest.h>

#include "manager/manager.h"

namespace corral::manager {
namespace {

TEST(BrokerConfigTest, TheReservationTimeoutDefaultsToAMinuteAndIsBoundedToAnHour) {
  corral::config::v1::ManagerConfig config;
  ASSERT_TRUE(apply_config_defaults(&config).ok());
  EXPECT_EQ(config.broker().reservation_timeout_seconds(), 60u);

  config.mutable_broker()->set_reservation_timeout_seconds(3600);
  EXPECT_TRUE(apply_config_defaults(&config).ok());
  config.mutable_broker()->set_reservation_timeout_seconds(3601);
  Status refused = apply_config_defaults(&config);
  EXPECT_EQ(refused.code(), ErrorCode::invalid_argument);
  EXPECT_NE(refused.message().find("broker.reservation_timeout_seconds"), std::string::npos) << refused.message();
}

// Not the broker's, but what a burst of session requests depends on (docs/operations.md).
TEST(BrokerConfigTest, TheApiRequestHeaderTimeoutDefaultsToTenSecondsAndIsBoundedToAnHour) {
  corral::config::v1::ManagerConfig config;
  ASSERT_TRUE(apply_config_defaults(&config).ok());
  EXPECT_EQ(config.api_request_header_timeout_seconds(), 10u);

  config.set_api_request_header_timeout_seconds(3600);
  EXPECT_TRUE(apply_config_defaults(&config).ok());
  config.set_api_request_header_timeout_seconds(3601);
  Status refused = apply_config_defaults(&config);
  EXPECT_EQ(refused.code(), ErrorCode::invalid_argument);
  EXPECT_NE(refused.message().find("api_request_header_timeout_seconds"), std::string::npos) << refused.message();
}

TEST(BrokerConfigTest, EventsAreKeptThirtyDaysByDefaultAndAtMostTenYears) {
  corral::config::v1::ManagerConfig config;
  ASSERT_TRUE(apply_config_defaults(&config).ok());
  EXPECT_EQ(config.event_retention_days(), 30u);
  config.set_event_retention_days(3650);
  EXPECT_TRUE(apply_config_defaults(&config).ok());
  config.set_event_retention_days(3651);
  Status refused = apply_config_defaults(&config);
  EXPECT_EQ(refused.code(), ErrorCode::invalid_argument);
  EXPECT_NE(refused.message().find("event_retention_days"), std::string::npos) << refused.message();
}

}  // namespace
}  // namespace corral::manager
