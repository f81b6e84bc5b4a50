#include "agent/endpoint.h"

#include <gtest/gtest.h>

namespace corral::agent {
namespace {

TEST(Endpoint, ParsesHostPortAndPath) {
  auto e = parse_endpoint("wss://127.0.0.1:8444/agent/v1");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 8444);
  EXPECT_EQ(e->path, "/agent/v1");
}

TEST(Endpoint, DefaultsPortAndPath) {
  auto e = parse_endpoint("wss://manager.example");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->path, "/agent/v1");
}

TEST(Endpoint, RejectsWhatCannotWork) {
  EXPECT_FALSE(parse_endpoint("ws://h:1/agent/v1").ok());
  EXPECT_FALSE(parse_endpoint("wss://:8444/agent/v1").ok());
  EXPECT_FALSE(parse_endpoint("wss://h:0/agent/v1").ok());
  EXPECT_FALSE(parse_endpoint("wss://h:70000/agent/v1").ok());
  EXPECT_FALSE(parse_endpoint("wss://h:x/agent/v1").ok());
  auto v6 = parse_endpoint("wss://[::1]:8444/agent/v1");
  ASSERT_FALSE(v6.ok());
  EXPECT_NE(v6.status().message().find("DNS name"), std::string::npos);
}

}  // namespace
}  // namespace corral::agent
