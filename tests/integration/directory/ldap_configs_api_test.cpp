// LDAP configs through the real manager and corralctl, tested against the Samba DC: every
// problem of a body in one 400, the bind password sealed and "[redacted]", the revision
// compare-and-set, and POST .../test naming the step that failed.
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "tests/integration/directory/samba_ad.h"
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class LdapConfigsApiTest : public FleetTest {
 protected:
  json samba_config() const {
    return {{"name", "samba"},
            {"url", "ldaps://127.0.0.1"},
            {"bindDn", "Administrator@example.local"},
            {"bindPassword", samba_ad().admin_password},
            {"caCertificate", samba_ad().ca_pem},
            {"baseDn", "DC=example,DC=local"},
            {"computerContainerDn", "CN=Computers,DC=example,DC=local"}};
  }
  struct Run {
    int code = -1;
    std::string output;
  };
  Run ctl(ManagerUnderTest& m, const std::vector<std::string>& args) {
    static int n = 0;
    std::string log = work_ + "/ctl-" + std::to_string(++n) + ".log";
    std::map<std::string, std::string> env{{"CORRAL_SERVER", m.api_url()},
                                           {"CORRAL_CA_CERT", m.data_dir() + "/ca.crt"},
                                           {"CORRAL_TOKEN_FILE", m.data_dir() + "/admin.token"},
                                           {"HOME", work_}};
    Process p = Process::start(corralctl_binary(), args, log, env);
    Run r;
    r.code = p.wait_exit(60s).value_or(-1);
    r.output = p.log();
    return r;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

TEST_F(LdapConfigsApiTest, EveryProblemOfABodyInOneAnswer) {
  auto m = start_manager();
  json bad = {{"id", "mine"},           {"name", "x"},          {"url", "ldap://dc1"},
              {"bindDn", "svc"},        {"baseDn", "CN=Users"}, {"hostnamePattern", "a-very-long-name-{random}"},
              {"caCertificate", "nope"}};
  auto r = m->call("POST", "/api/v1/ldap-configs", bad.dump());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 400) << r->body;
  for (const char* path : {"/id", "/startTls", "/bindPassword", "/baseDn", "/hostnamePattern", "/caCertificate"}) {
    EXPECT_NE(r->body.find(std::string("\"") + path + "\""), std::string::npos) << path << " in " << r->body;
  }
  auto unknown = m->call("POST", "/api/v1/ldap-configs", R"({"name":"x","colour":"red"})");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 400) << unknown->body;
}

TEST_F(LdapConfigsApiTest, PasswordIsSealedRedactedKeptAndTestNamesTheFailedStep) {
  auto m = start_manager();
  auto created = m->call("POST", "/api/v1/ldap-configs", samba_config().dump());
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(created->status, 201) << created->body;
  json c = json::parse(created->body);
  EXPECT_EQ(c["bindPassword"], "[redacted]");
  EXPECT_EQ(c["hostnamePattern"], "corral-{random}");
  EXPECT_EQ(c["enabled"], true);
  const std::string id = c["id"];
  EXPECT_EQ(created->body.find(samba_ad().admin_password), std::string::npos);
  EXPECT_EQ(read(m->data_dir() + "/corral.db").find(samba_ad().admin_password), std::string::npos);

  auto tested = m->call("POST", "/api/v1/ldap-configs/" + id + "/test");
  ASSERT_TRUE(tested.ok());
  ASSERT_EQ(tested->status, 200) << tested->body;
  EXPECT_EQ(json::parse(tested->body)["ok"], true) << tested->body;

  // "[redacted]" keeps the stored password; a stale revision is refused.
  json keep = samba_config();
  keep["bindPassword"] = "[redacted]";
  keep["revision"] = "1";
  keep["enabled"] = false;
  auto kept = m->call("PUT", "/api/v1/ldap-configs/" + id, keep.dump());
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->status, 200) << kept->body;
  EXPECT_EQ(json::parse(kept->body)["revision"], "2");
  auto stale = m->call("PUT", "/api/v1/ldap-configs/" + id, keep.dump());
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->status, 409) << stale->body;
  EXPECT_EQ(json::parse(m->call("POST", "/api/v1/ldap-configs/samba/test")->body)["ok"], true);

  json wrong = samba_config();
  wrong["bindPassword"] = "Not-The-Password-1";
  auto changed = m->call("PUT", "/api/v1/ldap-configs/" + id, wrong.dump());
  ASSERT_TRUE(changed.ok());
  ASSERT_EQ(changed->status, 200) << changed->body;
  json failed = json::parse(m->call("POST", "/api/v1/ldap-configs/" + id + "/test")->body);
  EXPECT_FALSE(failed.value("ok", false));  // proto3 JSON leaves a false out
  EXPECT_EQ(failed["step"], "bind");
  EXPECT_EQ(failed["ldapCode"], 49);

  // corralctl: list shows it, test fails with the step and exit status 1, delete removes it.
  Run list = ctl(*m, {"ldap-configs", "list"});
  ASSERT_EQ(list.code, 0) << list.output;
  EXPECT_NE(list.output.find("ldaps://127.0.0.1"), std::string::npos) << list.output;
  Run test = ctl(*m, {"ldap-configs", "test", "samba"});
  EXPECT_EQ(test.code, 1) << test.output;
  EXPECT_NE(test.output.find("failed at step bind"), std::string::npos) << test.output;
  const std::string password_file = work_ + "/password";
  std::ofstream(password_file) << samba_ad().admin_password << "\n";
  Run update = ctl(*m, {"ldap-configs", "update", "samba", "--bind-password-file", password_file});
  ASSERT_EQ(update.code, 0) << update.output;
  Run retest = ctl(*m, {"ldap-configs", "test", "samba"});
  EXPECT_EQ(retest.code, 0) << retest.output;
  Run removed = ctl(*m, {"ldap-configs", "delete", "samba"});
  EXPECT_EQ(removed.code, 0) << removed.output;
  EXPECT_EQ(m->call("GET", "/api/v1/ldap-configs/" + id)->status, 404);

  EXPECT_EQ(m->process().log().find(samba_ad().admin_password), std::string::npos);
}

}  // namespace
}  // namespace corral::testing
