// The .rdp file: exactly the settings a client needs, in CRLF lines, with the gateway block only
// when the pool has a gateway, and nothing written when a value could start a line of its own.
#include "manager/broker/rdp_file.h"

#include <gtest/gtest.h>

namespace corral::broker {
namespace {

ConnectionDetails rdp_server() {
  ConnectionDetails c;
  c.server_id = "s1";
  c.hostname = "rdp-01";
  c.address = "10.0.0.1";
  c.type = store::ConnectionType::rdp;
  c.port = 3389;
  c.username = "CORP\\alice";
  return c;
}

TEST(RdpFile, DirectConnectionHasAddressPortAndUserInCrlfLines) {
  auto file = render_rdp_file(rdp_server(), {});
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(*file,
            "full address:s:10.0.0.1:3389\r\n"
            "server port:i:3389\r\n"
            "username:s:CORP\\alice\r\n");
}

TEST(RdpFile, APoolGatewayAddsTheGatewaySettings) {
  auto file = render_rdp_file(rdp_server(), {"gw.example.com", 0});
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(*file,
            "full address:s:10.0.0.1:3389\r\n"
            "server port:i:3389\r\n"
            "username:s:CORP\\alice\r\n"
            "gatewayhostname:s:gw.example.com\r\n"
            "gatewayusagemethod:i:1\r\n"
            "gatewayprofileusagemethod:i:1\r\n"
            "gatewaycredentialssource:i:0\r\n");
  // 443 is the gateway's default port and is left out like 0; any other port is written.
  EXPECT_EQ(render_rdp_file(rdp_server(), {"gw.example.com", 443}).value(), *file);
  EXPECT_NE(
      render_rdp_file(rdp_server(), {"gw.example.com", 8443}).value().find("gatewayhostname:s:gw.example.com:8443\r\n"),
      std::string::npos);
}

TEST(RdpFile, Ipv6AddressesAreBracketedBeforeThePort) {
  ConnectionDetails c = rdp_server();
  c.address = "2001:db8::5";
  c.port = 3390;
  auto file = render_rdp_file(c, {"2001:db8::1", 8443});
  ASSERT_TRUE(file.ok());
  EXPECT_NE(file->find("full address:s:[2001:db8::5]:3390\r\n"), std::string::npos) << *file;
  EXPECT_NE(file->find("server port:i:3390\r\n"), std::string::npos) << *file;
  EXPECT_NE(file->find("gatewayhostname:s:[2001:db8::1]:8443\r\n"), std::string::npos) << *file;
}

TEST(RdpFile, EveryLineEndsInCrlfAndNoBareLineFeedIsWritten) {
  std::string file = render_rdp_file(rdp_server(), {"gw", 1}).value();
  size_t lines = 0;
  for (size_t i = 0; i < file.size(); ++i) {
    if (file[i] != '\n') continue;
    ASSERT_GT(i, 0u);
    EXPECT_EQ(file[i - 1], '\r') << "at byte " << i;
    ++lines;
  }
  EXPECT_EQ(lines, 7u);
  EXPECT_EQ(file.substr(file.size() - 2), "\r\n");
}

TEST(RdpFile, ValuesThatWouldStartALineAreRefused) {
  ConnectionDetails user = rdp_server();
  user.username = "alice\r\nalternate shell:s:cmd.exe";
  ConnectionDetails address = rdp_server();
  address.address = "10.0.0.1\n";
  struct Case {
    ConnectionDetails connection;
    store::RdGateway gateway;
    const char* names;
  };
  const Case cases[] = {
      {user, {}, "user name"},
      {address, {}, "server address"},
      {rdp_server(), {"gw\rexample", 0}, "RD Gateway hostname"},
  };
  for (const Case& c : cases) {
    auto file = render_rdp_file(c.connection, c.gateway);
    ASSERT_FALSE(file.ok()) << c.names;
    EXPECT_EQ(file.status().code(), ErrorCode::invalid_argument);
    EXPECT_NE(file.status().message().find(c.names), std::string::npos) << file.status().message();
  }
}

TEST(RdpFile, OnlyRdpServersHaveOne) {
  ConnectionDetails ssh = rdp_server();
  ssh.type = store::ConnectionType::ssh;
  auto file = render_rdp_file(ssh, {});
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), ErrorCode::failed_precondition);
  EXPECT_NE(file.status().message().find("ssh"), std::string::npos) << file.status().message();
}

TEST(RdpFile, FileNameIsTheHostnameWithAnythingUnsafeReplaced) {
  EXPECT_EQ(rdp_file_name("rdp-01.corp_x"), "rdp-01.corp_x.rdp");
  EXPECT_EQ(rdp_file_name("a\"b;c/d e"), "a_b_c_d_e.rdp");
  EXPECT_EQ(rdp_file_name(".."), "_...rdp");
  EXPECT_EQ(rdp_file_name(""), "_.rdp");
}

}  // namespace
}  // namespace corral::broker
