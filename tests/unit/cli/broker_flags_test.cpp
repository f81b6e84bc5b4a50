// The broker commands' flag values and request bodies: memory sizes, cores, RD gateways, the
// password read from stdin, and the JSON each create sends.
#include "cli/broker_flags.h"

#include <gtest/gtest.h>

#include <sstream>

#include "fakes.h"

namespace corral::cli {
namespace {

using nlohmann::json;
using testing::or_else;

TEST(BrokerFlags, MemoryTakesBytesAndBinaryUnits) {
  EXPECT_EQ(or_else(parse_memory("2147483648"), 0), 2147483648u);
  EXPECT_EQ(or_else(parse_memory("2GiB"), 0), 2147483648u);
  EXPECT_EQ(or_else(parse_memory("512MiB"), 0), 512u << 20);
  EXPECT_EQ(or_else(parse_memory("1.5GiB"), 0), 1610612736u);
  EXPECT_EQ(or_else(parse_memory("4KiB"), 0), 4096u);
  EXPECT_EQ(or_else(parse_memory("1TiB"), 0), uint64_t{1} << 40);
  EXPECT_EQ(or_else(parse_memory("100B"), 0), 100u);
}

TEST(BrokerFlags, MemoryRefusesWhatItWouldHaveToGuess) {
  EXPECT_EQ(parse_memory("2GB").status().message(), "'2GB' has an unknown unit 'GB': use B, KiB, MiB, GiB or TiB");
  EXPECT_EQ(parse_memory("2 GiB").status().message(),
            "'2 GiB' has an unknown unit ' GiB': use B, KiB, MiB, GiB or TiB");
  EXPECT_EQ(parse_memory("GiB").status().message(),
            "'GiB' is not a size: use bytes or a number with KiB, MiB, GiB or TiB (2GiB)");
  EXPECT_FALSE(parse_memory("-1").ok());
  EXPECT_FALSE(parse_memory("1.").ok());
  // 0.3 bytes is not a whole number of bytes; neither is 1.1 KiB (1126.4).
  EXPECT_EQ(parse_memory("0.3").status().message(), "'0.3' is not a whole number of bytes that fits in 64 bits");
  EXPECT_FALSE(parse_memory("1.1KiB").ok());
  EXPECT_FALSE(parse_memory("99999999999TiB").ok());  // overflows 64 bits
  EXPECT_FALSE(parse_memory("18446744073709551616").ok());
}

TEST(BrokerFlags, CoresAreThousandths) {
  EXPECT_EQ(or_else(parse_cores("2"), 0), 2000u);
  EXPECT_EQ(or_else(parse_cores("1.5"), 0), 1500u);
  EXPECT_EQ(or_else(parse_cores("0.25"), 0), 250u);
  EXPECT_EQ(or_else(parse_cores("250m"), 0), 250u);
  EXPECT_EQ(parse_cores("0.0005").status().message(), "'0.0005' is finer than a thousandth of a core");
  EXPECT_EQ(parse_cores("1.5m").status().message(),
            "'1.5m' is not a number of cores: use 2, 1.5 or 250m (thousandths)");
  EXPECT_FALSE(parse_cores("two").ok());
  EXPECT_FALSE(parse_cores("5000000").ok());  // beyond uint32 thousandths
}

TEST(BrokerFlags, RdGatewayIsHostAndOptionalPort) {
  auto plain = parse_rd_gateway("gw.example.com");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->hostname, "gw.example.com");
  EXPECT_EQ(plain->port, 0u);
  auto with_port = parse_rd_gateway("gw.example.com:8443");
  ASSERT_TRUE(with_port.ok());
  EXPECT_EQ(with_port->hostname, "gw.example.com");
  EXPECT_EQ(with_port->port, 8443u);
  auto v6 = parse_rd_gateway("[2001:db8::1]:444");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->hostname, "2001:db8::1");
  EXPECT_EQ(v6->port, 444u);
  EXPECT_EQ(or_else(parse_rd_gateway("[2001:db8::1]"), RdGateway{}).hostname, "2001:db8::1");

  EXPECT_EQ(parse_rd_gateway("gw:0").status().message(), "'gw:0' has port '0': it must be 1-65535");
  EXPECT_EQ(parse_rd_gateway("gw:65536").status().message(), "'gw:65536' has port '65536': it must be 1-65535");
  EXPECT_EQ(parse_rd_gateway("gw:+1").status().message(), "'gw:+1' has port '+1': it must be 1-65535");
  EXPECT_EQ(parse_rd_gateway("gw:").status().message(), "'gw:' has an empty port");
  EXPECT_EQ(parse_rd_gateway(":443").status().message(), "':443' has no host name");
  EXPECT_EQ(parse_rd_gateway("2001:db8::1").status().message(),
            "'2001:db8::1' looks like an IPv6 address: write it as [ADDRESS] or [ADDRESS]:PORT");
  EXPECT_FALSE(parse_rd_gateway("https://gw").ok());
  EXPECT_FALSE(parse_rd_gateway("[::1").ok());
  EXPECT_FALSE(parse_rd_gateway("[::1]443").ok());
}

TEST(BrokerFlags, PoolBody) {
  PoolFlags flags;
  flags.name = "lab";
  flags.type = "docker-agent";
  EXPECT_EQ(pool_body(flags), json::parse(R"({"name":"lab","type":"POOL_TYPE_DOCKER_AGENT"})"));

  flags.type = "server";
  flags.labels = {"gpu", "site=lab"};
  flags.server_assignment = true;
  flags.rd_gateway = "gw.example.com:8443";
  EXPECT_EQ(pool_body(flags), json::parse(R"({"name":"lab","type":"POOL_TYPE_SERVER","labels":["gpu","site=lab"],
      "serverAssignment":true,"rdGateway":{"hostname":"gw.example.com","port":8443}})"));
  flags.rd_gateway = "gw.example.com";  // port 0 is left out: the gateway's default
  EXPECT_EQ(pool_body(flags)["rdGateway"], json::parse(R"({"hostname":"gw.example.com"})"));
}

TEST(BrokerFlags, ServerBody) {
  ServerFlags flags;
  flags.hostname = "ts1";
  flags.address = "10.0.0.5";
  EXPECT_EQ(server_body(flags, "p-1", std::nullopt),
            json::parse(R"({"poolId":"p-1","hostname":"ts1","address":"10.0.0.5","enabled":true})"));

  flags.connection = "ssh";
  flags.port = 2222;
  flags.username = "{sso_username}";
  flags.max_sessions = 0;  // given as 0: sent, not confused with "not given"
  flags.labels = {"gpu"};
  flags.disabled = true;
  flags.agent = "a-1";
  flags.assign_user = "alice";
  EXPECT_EQ(server_body(flags, "p-1", std::string("pw")), json::parse(R"({"poolId":"p-1","hostname":"ts1",
      "address":"10.0.0.5","connectionType":"CONNECTION_TYPE_SSH","connectionPort":2222,
      "connectionUsername":"{sso_username}","connectionPassword":"pw","maxSimultaneousSessionsPerServer":0,
      "labels":["gpu"],"enabled":false,"agentId":"a-1","assignedUsers":["alice"]})"));
}

TEST(BrokerFlags, WorkspaceBody) {
  WorkspaceFlags flags;
  flags.name = "desk";
  EXPECT_EQ(workspace_body(flags, "p-1"), json::parse(R"({"name":"desk","poolId":"p-1","enabled":true})"));

  flags.include = {"gpu"};
  flags.exclude = {"old", "slow"};
  flags.cores = "1.5";
  flags.memory = "2GiB";
  flags.gpus = 1;
  flags.disabled = true;
  // memoryBytes is a uint64: a string in the protobuf JSON mapping.
  EXPECT_EQ(workspace_body(flags, "p-1"), json::parse(R"({"name":"desk","poolId":"p-1","includeLabels":["gpu"],
      "excludeLabels":["old","slow"],"enabled":false,
      "sessionResources":{"coresMilli":1500,"memoryBytes":"2147483648","gpus":1}})"));
}

TEST(BrokerFlags, SessionBody) {
  EXPECT_EQ(session_body("desk", "alice"), json::parse(R"({"workspace":"desk","user":"alice"})"));
}

TEST(BrokerFlags, PasswordFromStdinDropsOneLineBreak) {
  std::istringstream piped("s3cret\n");
  EXPECT_EQ(or_else(read_password(&piped), ""), "s3cret");
  std::istringstream windows("s3cret\r\n");
  EXPECT_EQ(or_else(read_password(&windows), ""), "s3cret");
  std::istringstream exact("two words \n\n");
  EXPECT_EQ(or_else(read_password(&exact), ""), "two words \n");
  std::istringstream empty("");
  EXPECT_EQ(read_password(&empty).status().code(), ErrorCode::invalid_argument);
  std::istringstream newline_only("\n");
  EXPECT_FALSE(read_password(&newline_only).ok());
  EXPECT_FALSE(read_password(nullptr).ok());
}

TEST(BrokerFlags, EnumNames) {
  EXPECT_EQ(enum_name("POOL_TYPE_", "docker-agent"), "POOL_TYPE_DOCKER_AGENT");
  EXPECT_EQ(short_name("POOL_TYPE_", "POOL_TYPE_DOCKER_AGENT"), "docker-agent");
  EXPECT_EQ(short_name("SESSION_END_REASON_", "SESSION_END_REASON_EXPIRED_RESERVATION"), "expired-reservation");
  EXPECT_EQ(short_name("POOL_TYPE_", ""), "-");
  EXPECT_EQ(short_name("POOL_TYPE_", "FUTURE_THING"), "future-thing");
}

}  // namespace
}  // namespace corral::cli
