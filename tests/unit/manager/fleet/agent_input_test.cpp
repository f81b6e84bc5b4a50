#include "manager/fleet/agent_input.h"

#include <gtest/gtest.h>

namespace corral::manager {
namespace {

corral::agent::v1::Hello good_hello() {
  corral::agent::v1::Hello h;
  h.set_hostname("web-01.example.com");
  h.set_agent_version("0.1.0");
  h.set_os_version("Debian GNU/Linux 12 (bookworm)");
  h.add_addresses("10.0.0.5");
  h.add_addresses("fe80::1");
  (*h.mutable_labels())["site"] = "lab";
  (*h.mutable_labels())["corral.io/pool-2"] = "GPU, fast";
  return h;
}

void expect_refused(const corral::agent::v1::Hello& h, const std::string& names) {
  Status s = check_hello(h);
  EXPECT_EQ(s.code(), ErrorCode::invalid_argument);
  EXPECT_NE(s.message().find(names), std::string::npos) << s.message();
}

TEST(AgentInputTest, AnOrdinaryHelloPasses) { EXPECT_TRUE(check_hello(good_hello()).ok()); }

TEST(AgentInputTest, EachFieldIsCheckedAndNamed) {
  auto h = good_hello();
  h.set_hostname("evil\x1b]0;pwned\x07");
  expect_refused(h, "hostname");

  h = good_hello();
  h.set_hostname("row\nforged | ONLINE");
  expect_refused(h, "hostname");

  h = good_hello();
  h.set_hostname(std::string(256, 'a'));
  expect_refused(h, "hostname");

  h = good_hello();
  h.set_agent_version(std::string(65, '1'));
  expect_refused(h, "agent_version");

  h = good_hello();
  h.set_os_version("Linux \xff\xfe");
  expect_refused(h, "os_version");

  h = good_hello();
  h.add_addresses("10.0.0.6\r");
  expect_refused(h, "addresses");

  h = good_hello();
  for (int i = 0; i < 40; ++i) h.add_addresses("10.0.1." + std::to_string(i));
  expect_refused(h, "addresses may hold at most 32");
}

TEST(AgentInputTest, LabelKeysArePlainAndValuesPrintable) {
  EXPECT_TRUE(check_labels({{"a", ""}, {"k8s.io/zone-1_b", "x y"}}, "labels").ok());
  for (const std::string& key : {std::string(""), std::string("-lead"), std::string(".dot"), std::string("sp ace"),
                                 std::string("t\tab"), std::string(64, 'k'), std::string("\xc3\xa9t\xc3\xa9")}) {
    Status s = check_labels({{key, "v"}}, "labels");
    EXPECT_EQ(s.code(), ErrorCode::invalid_argument) << key;
    EXPECT_EQ(s.message().find(key.empty() ? "\x01" : key), std::string::npos) << "a bad key is not echoed";
  }
  Status value = check_labels({{"site", "lab\x1b[31m"}}, "hello.labels");
  EXPECT_NE(value.message().find("hello.labels.site"), std::string::npos) << value.message();
  std::map<std::string, std::string> many;
  for (int i = 0; i < 65; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_NE(check_labels(many, "labels").message().find("at most 64"), std::string::npos);
}

}  // namespace
}  // namespace corral::manager
