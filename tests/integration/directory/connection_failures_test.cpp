// Each way of not reaching the directory names its step and why, against the real Samba DC.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ldap.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "manager/directory/ldap_connection.h"
#include "tests/integration/directory/samba_ad.h"

namespace corral::manager::directory {
namespace {

using corral::testing::samba_ad;
using corral::testing::samba_admin_config;

// A loopback TCP socket on a port of its own; listening or merely bound (then connections to it
// are refused, and no other process can take the port meanwhile).
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listening) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    if (listening) {
      EXPECT_EQ(::listen(fd_, 4), 0);
    }
  }
  ~LoopbackSocket() { ::close(fd_); }
  int port() const { return port_; }
  bool has_pending_connection() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

 private:
  int fd_;
  int port_ = 0;
};

TEST(DirectoryConnectSamba, PlainLdapWithoutStartTlsIsRefusedBeforeAnythingIsSent) {
  LoopbackSocket server(true);
  DirectoryConfig c = samba_admin_config();
  c.url = "ldap://127.0.0.1:" + std::to_string(server.port());
  c.start_tls = false;
  auto conn = LdapConnection::open(c);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().step(), DirectoryStep::config);
  EXPECT_NE(conn.status().message().find("refusing plain LDAP"), std::string::npos) << conn.status().message();
  EXPECT_FALSE(server.has_pending_connection());
  // The DC itself would refuse the simple bind too; our refusal comes before it could.
  c.url = "ldap://127.0.0.1";
  EXPECT_EQ(LdapConnection::open(c).status().step(), DirectoryStep::config);
}

TEST(DirectoryConnectSamba, WrongBindPasswordNamesTheBindAndTheDirectorysReason) {
  DirectoryConfig c = samba_admin_config();
  c.bind_password = "not-the-password";
  auto conn = LdapConnection::open(c);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().step(), DirectoryStep::bind);
  EXPECT_EQ(conn.status().ldap_code(), LDAP_INVALID_CREDENTIALS);
  EXPECT_NE(conn.status().message().find("Invalid credentials"), std::string::npos) << conn.status().message();
  EXPECT_NE(conn.status().message().find("directory says:"), std::string::npos) << conn.status().message();
  EXPECT_EQ(conn.status().message().find("not-the-password"), std::string::npos);
}

TEST(DirectoryConnectSamba, UntrustedCertificateIsATlsFailure) {
  for (bool start_tls : {false, true}) {
    DirectoryConfig c = samba_admin_config();
    c.ca_pem = samba_ad().other_ca_pem;
    if (start_tls) {
      c.url = "ldap://127.0.0.1";
      c.start_tls = true;
    }
    auto conn = LdapConnection::open(c);
    ASSERT_FALSE(conn.ok()) << c.url;
    EXPECT_EQ(conn.status().step(), DirectoryStep::tls) << conn.status().message();
    EXPECT_NE(conn.status().message().find("certificate verify failed: unable to get local issuer certificate"),
              std::string::npos)
        << conn.status().message();
  }
}

TEST(DirectoryConnectSamba, UnreachableServerIsATcpFailure) {
  LoopbackSocket closed(false);
  DirectoryConfig c = samba_admin_config();
  c.url = "ldaps://127.0.0.1:" + std::to_string(closed.port());
  auto conn = LdapConnection::open(c);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().step(), DirectoryStep::tcp) << conn.status().message();
  EXPECT_NE(conn.status().message().find("cannot connect to 127.0.0.1:" + std::to_string(closed.port())),
            std::string::npos)
      << conn.status().message();
}

TEST(DirectoryConnectSamba, UnknownHostIsADnsFailure) {
  DirectoryConfig c = samba_admin_config();
  c.url = "ldaps://no-such-host.invalid";
  auto conn = LdapConnection::open(c);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().step(), DirectoryStep::dns);
  EXPECT_NE(conn.status().message().find("cannot resolve no-such-host.invalid"), std::string::npos)
      << conn.status().message();
}

TEST(DirectoryConnectSamba, ACaThatIsNotPemIsAConfigError) {
  DirectoryConfig c = samba_admin_config();
  c.ca_pem = "not a certificate";
  auto conn = LdapConnection::open(c);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().step(), DirectoryStep::config);
  EXPECT_NE(conn.status().message().find("config: ca_certificate is not valid PEM"), std::string::npos);
}

}  // namespace
}  // namespace corral::manager::directory
