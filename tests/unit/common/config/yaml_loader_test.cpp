#include "common/config/yaml_loader.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>

#include "corral/agent/v1/agent.pb.h"
#include "corral/config/v1/config.pb.h"

namespace corral::config {
namespace {

namespace pb = google::protobuf;
using corral::agent::v1::Envelope;
using corral::config::v1::AgentConfig;
using corral::config::v1::ManagerConfig;

template <typename T>
std::function<std::unique_ptr<pb::Message>()> make() {
  return [] { return std::make_unique<T>(); };
}

struct ErrorCase {
  const char* name;
  std::function<std::unique_ptr<pb::Message>()> message;
  const char* yaml;
  const char* want;
};

TEST(LoadYaml, ErrorsNamePathLineAndColumn) {
  const ErrorCase cases[] = {
      {"unknown key", make<ManagerConfig>(),
       "api_listen: 0.0.0.0:8443\n"
       "log_level: info\n"
       "agent_listn: 0.0.0.0:8444\n",
       "unknown key 'agent_listn' at line 3, column 1 (in corral.config.v1.ManagerConfig)"},
      {"word for unsigned", make<ManagerConfig>(),
       "api_listen: a\n"
       "agent_listen: b\n"
       "server_names: [x]\n"
       "heartbeat_interval_seconds: ten\n",
       "'heartbeat_interval_seconds' at line 4, column 29: expected an unsigned integer, got 'ten'"},
      {"sequence for map", make<AgentConfig>(),
       "max_sessions: 4\n"
       "log_level: info\n"
       "max_reconnect_delay_seconds: 60\n"
       "# labels are a mapping,\n"
       "# not a list\n"
       "labels:\n"
       "  - gpu\n",
       "'labels' at line 7, column 3: expected a mapping"},
      {"uint32 out of range", make<ManagerConfig>(), "max_frame_bytes: 4294967296\n",
       "'max_frame_bytes' at line 1, column 18: '4294967296' is out of range for uint32"},
      {"negative into unsigned", make<ManagerConfig>(), "max_frame_bytes: -1\n",
       "'max_frame_bytes' at line 1, column 18: expected an unsigned integer, got '-1'"},
      {"duplicate key", make<ManagerConfig>(), "api_listen: a\napi_listen: b\n",
       "duplicate key 'api_listen' at line 2, column 1 (first given as 'api_listen' at line 1, column 1)"},
      {"duplicate via camelCase", make<ManagerConfig>(), "api_listen: a\napiListen: b\n",
       "duplicate key 'apiListen' at line 2, column 1 (first given as 'api_listen' at line 1, column 1)"},
      {"scalar for repeated", make<ManagerConfig>(), "server_names: host\n",
       "'server_names' at line 1, column 15: expected a sequence"},
      {"mapping inside repeated string", make<ManagerConfig>(), "server_names:\n  - a\n  - {b: c}\n",
       "'server_names[1]' at line 3, column 5: expected a string, got a mapping"},
      {"document is a list", make<ManagerConfig>(), "- a\n", "document at line 1, column 1: expected a mapping"},
      {"document is a scalar", make<ManagerConfig>(), "just words\n",
       "document at line 1, column 1: expected a mapping"},
      {"two documents", make<ManagerConfig>(), "api_listen: a\n---\nlog_level: info\n",
       "expected one YAML document, found another at line 2, column 1"},
      {"non-scalar key", make<ManagerConfig>(), "? [a]\n: b\n",
       "non-scalar key at line 1, column 3 (in corral.config.v1.ManagerConfig)"},
      {"duplicate map key", make<AgentConfig>(), "labels:\n  env: a\n  env: b\n",
       "duplicate key 'labels[env]' at line 3, column 3 (first at line 2, column 3)"},
      {"sequence as map value", make<AgentConfig>(), "labels:\n  env: [a]\n",
       "'labels[env]' at line 2, column 8: expected a string, got a sequence"},
      {"null map value", make<AgentConfig>(), "labels:\n  env:\n",
       "'labels[env]' at line 2, column 3: expected a string, got null"},
      {"nested unknown key", make<Envelope>(), "hello:\n  hostnme: h\n",
       "unknown key 'hello.hostnme' at line 2, column 3 (in corral.agent.v1.Hello)"},
      {"unknown enum value", make<Envelope>(), "hello:\n  os_family: solaris\n",
       "'hello.os_family' at line 2, column 14: expected one of unspecified, linux, windows (or the full OsFamily "
       "value name), got 'solaris'"},
      {"enum prefix alone is not a name", make<Envelope>(), "hello:\n  os_family: OS_FAMILY\n",
       "'hello.os_family' at line 2, column 14: expected one of unspecified, linux, windows (or the full OsFamily "
       "value name), got 'OS_FAMILY'"},
      {"unknown enum in repeated", make<Envelope>(), "hello:\n  backends: [xrdp, vnc]\n",
       "'hello.backends[1]' at line 2, column 20: expected one of unspecified, rdp_windows, xrdp, docker, managed "
       "(or the full BackendKind value name), got 'vnc'"},
      {"path through repeated message", make<Envelope>(),
       "capacity_report:\n"
       "  sessions:\n"
       "    - id: s1\n"
       "      state: active\n"
       "    - id: s2\n"
       "      state: gone\n",
       "'capacity_report.sessions[1].state' at line 6, column 14: expected one of unspecified, starting, active, "
       "disconnected, ending (or the full SessionState value name), got 'gone'"},
      {"two oneof members", make<Envelope>(), "seq: 1\nhello: {}\nwelcome: {}\n",
       "'welcome' at line 3, column 1: conflicts with 'hello' at line 2, column 1: only one member of 'body' may be "
       "set"},
      {"int32 out of range", make<Envelope>(), "heartbeat:\n  sent_at:\n    nanos: 2147483648\n",
       "'heartbeat.sent_at.nanos' at line 3, column 12: '2147483648' is out of range for int32"},
      {"yes is not a bool", make<Envelope>(), "command:\n  drain:\n    enabled: yes\n",
       "'command.drain.enabled' at line 3, column 14: expected true or false, got 'yes'"},
      {"scalar for message", make<Envelope>(), "hello: x\n", "'hello' at line 1, column 8: expected a mapping"},
      {"float out of range", make<pb::FloatValue>(), "value: 1e39\n",
       "'value' at line 1, column 8: '1e39' is out of range for float"},
      {"word for double", make<pb::DoubleValue>(), "value: abc\n",
       "'value' at line 1, column 8: expected a number, got 'abc'"},
      {"int64 out of range", make<pb::Int64Value>(), "value: 9223372036854775808\n",
       "'value' at line 1, column 8: '9223372036854775808' is out of range for int64"},
      {"uint64 out of range", make<pb::UInt64Value>(), "value: 18446744073709551616\n",
       "'value' at line 1, column 8: '18446744073709551616' is out of range for uint64"},
      {"negative into uint64", make<pb::UInt64Value>(), "value: -5\n",
       "'value' at line 1, column 8: expected an unsigned integer, got '-5'"},
      {"bad base64", make<pb::BytesValue>(), "value: '%%%'\n",
       "'value' at line 1, column 8: expected base64 bytes, got '%%%'"},
  };
  for (const auto& c : cases) {
    auto message = c.message();
    Status status = load_yaml(c.yaml, message.get());
    EXPECT_EQ(status.code(), ErrorCode::invalid_argument) << c.name;
    EXPECT_EQ(status.message(), c.want) << c.name;
  }
}

TEST(LoadYaml, SyntaxErrorNamesLine) {
  ManagerConfig config;
  Status status = load_yaml("api_listen: a\nserver_names: [a, b\nlog_level: info\n", &config);
  EXPECT_EQ(status.code(), ErrorCode::invalid_argument);
  EXPECT_EQ(status.message().rfind("invalid YAML at line ", 0), 0u) << status.message();
}

TEST(LoadYaml, FullManagerConfig) {
  ManagerConfig config;
  Status status = load_yaml(
      "api_listen: 0.0.0.0:8443\n"
      "agent_listen: 0.0.0.0:8444\n"
      "server_names:\n"
      "  - corral.example.net\n"
      "  - 10.0.0.5\n"
      "agent_endpoint: wss://corral.example.net:8444\n"
      "heartbeat_interval_seconds: 10\n"
      "join_token_ttl_seconds: 0x384\n"
      "max_frame_bytes: 4294967295\n"
      "log_level: debug\n"
      "event_loop: libev\n"
      "agent_certificate_days: +365\n",
      &config);
  ASSERT_TRUE(status.ok()) << status.to_string();
  EXPECT_EQ(config.api_listen(), "0.0.0.0:8443");
  EXPECT_EQ(config.agent_listen(), "0.0.0.0:8444");
  ASSERT_EQ(config.server_names_size(), 2);
  EXPECT_EQ(config.server_names(0), "corral.example.net");
  EXPECT_EQ(config.server_names(1), "10.0.0.5");
  EXPECT_EQ(config.agent_endpoint(), "wss://corral.example.net:8444");
  EXPECT_EQ(config.heartbeat_interval_seconds(), 10u);
  EXPECT_EQ(config.join_token_ttl_seconds(), 900u);
  EXPECT_EQ(config.max_frame_bytes(), 4294967295u);
  EXPECT_EQ(config.log_level(), "debug");
  EXPECT_EQ(config.event_loop(), "libev");
  EXPECT_EQ(config.agent_certificate_days(), 365u);
}

TEST(LoadYaml, AcceptsCamelCaseNames) {
  ManagerConfig config;
  ASSERT_TRUE(load_yaml("heartbeatIntervalSeconds: 15\nagentListen: ':9000'\nserverNames: [a]\n", &config).ok());
  EXPECT_EQ(config.heartbeat_interval_seconds(), 15u);
  EXPECT_EQ(config.agent_listen(), ":9000");
  ASSERT_EQ(config.server_names_size(), 1);
  // Only the json_name: other spellings are still unknown keys.
  EXPECT_FALSE(load_yaml("HeartbeatIntervalSeconds: 15\n", &config).ok());
  EXPECT_FALSE(load_yaml("heartbeat-interval-seconds: 15\n", &config).ok());
}

TEST(LoadYaml, EnumsByFullNameAndShortName) {
  struct Case {
    const char* text;
    agent::v1::OsFamily want;
  };
  const Case cases[] = {
      {"OS_FAMILY_LINUX", agent::v1::OS_FAMILY_LINUX},
      {"linux", agent::v1::OS_FAMILY_LINUX},
      {"LINUX", agent::v1::OS_FAMILY_LINUX},
      {"Windows", agent::v1::OS_FAMILY_WINDOWS},
      {"unspecified", agent::v1::OS_FAMILY_UNSPECIFIED},
      {"'windows'", agent::v1::OS_FAMILY_WINDOWS},
  };
  for (const auto& c : cases) {
    Envelope envelope;
    envelope.mutable_hello()->set_os_family(agent::v1::OS_FAMILY_WINDOWS);
    if (c.want == agent::v1::OS_FAMILY_WINDOWS) envelope.mutable_hello()->set_os_family(agent::v1::OS_FAMILY_LINUX);
    Status status = load_yaml(std::string("hello:\n  os_family: ") + c.text + "\n", &envelope);
    ASSERT_TRUE(status.ok()) << c.text << ": " << status.to_string();
    EXPECT_EQ(envelope.hello().os_family(), c.want) << c.text;
  }
  // The full name is matched exactly; only the short form ignores case.
  Envelope envelope;
  EXPECT_FALSE(load_yaml("hello:\n  os_family: os_family_linux\n", &envelope).ok());
}

TEST(LoadYaml, NestedRepeatedAndMaps) {
  Envelope envelope;
  Status status = load_yaml(
      "seq: 18446744073709551615\n"
      "ack: 0\n"
      "hello:\n"
      "  agent_version: 0.1.0\n"
      "  os_family: linux\n"
      "  addresses: [10.0.0.1, 'fe80::1']\n"
      "  backends:\n"
      "    - xrdp\n"
      "    - BACKEND_KIND_DOCKER\n"
      "  labels:\n"
      "    gpu: \"true\"\n"
      "    corral.io/pool: blue\n"
      "    empty: ''\n",
      &envelope);
  ASSERT_TRUE(status.ok()) << status.to_string();
  EXPECT_EQ(envelope.seq(), std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(envelope.has_hello());
  const auto& hello = envelope.hello();
  EXPECT_EQ(hello.agent_version(), "0.1.0");
  EXPECT_EQ(hello.os_family(), agent::v1::OS_FAMILY_LINUX);
  ASSERT_EQ(hello.addresses_size(), 2);
  EXPECT_EQ(hello.addresses(1), "fe80::1");
  ASSERT_EQ(hello.backends_size(), 2);
  EXPECT_EQ(hello.backends(0), agent::v1::BACKEND_KIND_XRDP);
  EXPECT_EQ(hello.backends(1), agent::v1::BACKEND_KIND_DOCKER);
  ASSERT_EQ(hello.labels_size(), 3);
  EXPECT_EQ(hello.labels().at("gpu"), "true");
  EXPECT_EQ(hello.labels().at("corral.io/pool"), "blue");
  EXPECT_EQ(hello.labels().at("empty"), "");
}

TEST(LoadYaml, RepeatedMessagesAndDeepNesting) {
  Envelope envelope;
  Status status = load_yaml(
      "capacity_report:\n"
      "  generation: 7\n"
      "  draining: true\n"
      "  sessions:\n"
      "    - {id: s1, user: alice, state: active, backend: xrdp}\n"
      "    - id: s2\n"
      "      started_at: {seconds: -9223372036854775808, nanos: -2147483648}\n",
      &envelope);
  ASSERT_TRUE(status.ok()) << status.to_string();
  const auto& report = envelope.capacity_report();
  EXPECT_EQ(report.generation(), 7u);
  EXPECT_TRUE(report.draining());
  ASSERT_EQ(report.sessions_size(), 2);
  EXPECT_EQ(report.sessions(0).user(), "alice");
  EXPECT_EQ(report.sessions(0).state(), agent::v1::SESSION_STATE_ACTIVE);
  EXPECT_EQ(report.sessions(0).backend(), agent::v1::BACKEND_KIND_XRDP);
  EXPECT_EQ(report.sessions(1).id(), "s2");
  EXPECT_EQ(report.sessions(1).started_at().seconds(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(report.sessions(1).started_at().nanos(), std::numeric_limits<int32_t>::min());
}

TEST(LoadYaml, MapsInAgentConfig) {
  AgentConfig config;
  ASSERT_TRUE(load_yaml("max_sessions: 8\nlabels: {site: ams, rack: 'r12'}\n", &config).ok());
  EXPECT_EQ(config.max_sessions(), 8u);
  ASSERT_EQ(config.labels_size(), 2);
  EXPECT_EQ(config.labels().at("site"), "ams");
  EXPECT_EQ(config.labels().at("rack"), "r12");
}

TEST(LoadYaml, ScalarWidthsAndSpecialFloats) {
  pb::DoubleValue d;
  ASSERT_TRUE(load_yaml("value: -.inf\n", &d).ok());
  EXPECT_EQ(d.value(), -std::numeric_limits<double>::infinity());
  ASSERT_TRUE(load_yaml("value: .nan\n", &d).ok());
  EXPECT_TRUE(std::isnan(d.value()));
  ASSERT_TRUE(load_yaml("value: 2.5e-3\n", &d).ok());
  EXPECT_EQ(d.value(), 2.5e-3);
  pb::FloatValue f;
  ASSERT_TRUE(load_yaml("value: 7\n", &f).ok());
  EXPECT_EQ(f.value(), 7.0f);
  pb::Int32Value i;
  ASSERT_TRUE(load_yaml("value: -2147483648\n", &i).ok());
  EXPECT_EQ(i.value(), std::numeric_limits<int32_t>::min());
  pb::BoolValue b;
  ASSERT_TRUE(load_yaml("value: True\n", &b).ok());
  EXPECT_TRUE(b.value());
  pb::BytesValue bytes;
  ASSERT_TRUE(load_yaml("value: AAH/\n", &bytes).ok());
  EXPECT_EQ(bytes.value(), std::string("\x00\x01\xff", 3));
  pb::StringValue s;
  ASSERT_TRUE(load_yaml("value: 0x10\n", &s).ok());
  EXPECT_EQ(s.value(), "0x10");
}

TEST(LoadYaml, EmptyDocumentLeavesMessageUnchanged) {
  for (const char* text : {"", "\n\n", "# nothing here yet\n", "---\n", "---\n...\n"}) {
    ManagerConfig config;
    config.set_api_listen("keep");
    config.add_server_names("keep");
    Status status = load_yaml(text, &config);
    EXPECT_TRUE(status.ok()) << "[" << text << "] " << status.to_string();
    EXPECT_EQ(config.api_listen(), "keep") << "[" << text << "]";
    EXPECT_EQ(config.server_names_size(), 1) << "[" << text << "]";
  }
}

TEST(LoadYaml, MergesOntoDefaults) {
  ManagerConfig config;
  config.set_api_listen("default-api");
  config.set_log_level("info");
  config.add_server_names("old-a");
  config.add_server_names("old-b");
  ASSERT_TRUE(load_yaml("log_level: debug\nserver_names: [new]\n", &config).ok());
  EXPECT_EQ(config.api_listen(), "default-api");
  EXPECT_EQ(config.log_level(), "debug");
  ASSERT_EQ(config.server_names_size(), 1);
  EXPECT_EQ(config.server_names(0), "new");

  AgentConfig agent;
  (*agent.mutable_labels())["old"] = "x";
  ASSERT_TRUE(load_yaml("labels: {new: y}\n", &agent).ok());
  EXPECT_EQ(agent.labels_size(), 1);
  EXPECT_EQ(agent.labels().count("old"), 0u);

  Envelope envelope;
  envelope.mutable_hello()->set_hostname("h1");
  ASSERT_TRUE(load_yaml("hello: {os_family: linux}\n", &envelope).ok());
  EXPECT_EQ(envelope.hello().hostname(), "h1");
  EXPECT_EQ(envelope.hello().os_family(), agent::v1::OS_FAMILY_LINUX);
}

TEST(LoadYaml, NullClearsField) {
  ManagerConfig config;
  config.set_api_listen("x");
  config.set_max_frame_bytes(5);
  config.add_server_names("a");
  ASSERT_TRUE(load_yaml("api_listen:\nmax_frame_bytes: ~\nserver_names: null\n", &config).ok());
  EXPECT_EQ(config.api_listen(), "");
  EXPECT_EQ(config.max_frame_bytes(), 0u);
  EXPECT_EQ(config.server_names_size(), 0);
  // Quoted, it is just the string.
  ASSERT_TRUE(load_yaml("api_listen: 'null'\n", &config).ok());
  EXPECT_EQ(config.api_listen(), "null");
}

TEST(LoadYaml, ErrorLeavesMessageUnchanged) {
  ManagerConfig config;
  config.set_api_listen("old");
  config.add_server_names("old");
  EXPECT_FALSE(load_yaml("api_listen: new\nserver_names: [new]\nbogus: 1\n", &config).ok());
  EXPECT_EQ(config.api_listen(), "old");
  ASSERT_EQ(config.server_names_size(), 1);
  EXPECT_EQ(config.server_names(0), "old");
}

TEST(LoadYaml, AliasesAreFollowed) {
  ManagerConfig config;
  ASSERT_TRUE(load_yaml("api_listen: &addr 0.0.0.0:1\nagent_listen: *addr\n", &config).ok());
  EXPECT_EQ(config.agent_listen(), "0.0.0.0:1");
}

// google.protobuf.Struct nests without end; each level of the document below is two message levels.
std::string nested_struct(int levels) {
  std::string text = "fields: ";
  for (int i = 0; i < levels; ++i) text += "{a: {struct_value: {fields: ";
  text += "{}";
  for (int i = 0; i < levels; ++i) text += "}}}";
  return text + "\n";
}

TEST(LoadYaml, NestingIsBounded) {
  pb::Struct shallow;
  Status status = load_yaml(nested_struct(30), &shallow);
  ASSERT_TRUE(status.ok()) << status.to_string();
  pb::Struct deep;
  status = load_yaml(nested_struct(33), &deep);
  EXPECT_EQ(status.code(), ErrorCode::invalid_argument);
  EXPECT_NE(status.message().find("nested deeper than 64 levels"), std::string::npos) << status.message();
}

TEST(LoadYaml, NullMessageIsAnError) { EXPECT_EQ(load_yaml("a: 1", nullptr).code(), ErrorCode::invalid_argument); }

class LoadYamlFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("corral-config-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(LoadYamlFile, LoadsAFile) {
  ManagerConfig config;
  std::string path = write("manager.yaml", "api_listen: 127.0.0.1:8443\n");
  Status status = load_yaml_file(path, &config);
  ASSERT_TRUE(status.ok()) << status.to_string();
  EXPECT_EQ(config.api_listen(), "127.0.0.1:8443");
}

TEST_F(LoadYamlFile, ErrorsStartWithThePath) {
  ManagerConfig config;
  std::string path = write("bad.yaml", "api_listen: a\nagent_listn: b\n");
  Status status = load_yaml_file(path, &config);
  EXPECT_EQ(status.code(), ErrorCode::invalid_argument);
  EXPECT_EQ(status.message(),
            path + ": unknown key 'agent_listn' at line 2, column 1 (in corral.config.v1.ManagerConfig)");

  std::string missing = (dir_ / "missing.yaml").string();
  status = load_yaml_file(missing, &config);
  EXPECT_EQ(status.code(), ErrorCode::not_found);
  EXPECT_EQ(status.message().rfind(missing + ": ", 0), 0u) << status.message();

  // A directory reads as "" through a stream; it must not pass as an empty config.
  status = load_yaml_file(dir_.string(), &config);
  EXPECT_EQ(status.code(), ErrorCode::invalid_argument);
  EXPECT_EQ(status.message(), dir_.string() + ": not a regular file");
}

}  // namespace
}  // namespace corral::config
