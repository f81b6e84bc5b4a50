// corralctl's command line: where flags may go, what help shows, and a usage error (exit 2,
// nothing sent) naming the bad argument for every way a command line can be wrong.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "cli/commands/commands.h"
#include "cli/flag_checks.h"
#include "fakes.h"

namespace corral::cli {
namespace {

using testing::Harness;
using testing::response;

Result<Invocation> parse(const std::vector<std::string>& args) { return corralctl_commands()->parse(args); }

TEST(CommandLine, GlobalFlagsBeforeAndAfterTheCommand) {
  auto tree = corralctl_commands();
  auto inv = tree->parse({"--server", "https://m:8443", "--token-file=/t", "agents", "list", "--json", "--ca-cert",
                          "ca.pem", "--config", "c.yaml"});
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  ASSERT_NE(inv->command, nullptr);
  EXPECT_EQ(inv->flags.server, "https://m:8443");
  EXPECT_EQ(inv->flags.token_file, "/t");
  EXPECT_EQ(inv->flags.ca_cert, "ca.pem");
  EXPECT_EQ(inv->flags.config, "c.yaml");
  EXPECT_FALSE(inv->flags.token.has_value());
  EXPECT_TRUE(inv->flags.json);
}

TEST(CommandLine, TheLastOfARepeatedGlobalFlagWins) {
  // So an alias can carry --server and the command line still override it.
  auto inv = parse({"--server", "https://a:1", "agents", "list", "--server", "https://b:2"});
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->flags.server, "https://b:2");
}

TEST(CommandLine, HelpIsPerCommandAndWinsOverErrors) {
  auto root = parse({"--help"});
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->command, nullptr);
  EXPECT_NE(root->help_text.find("Usage: corralctl [FLAGS] [COMMAND]"), std::string::npos) << root->help_text;

  auto list = parse({"agents", "list", "-h"});
  ASSERT_TRUE(list.ok());
  EXPECT_NE(list->help_text.find("Usage: corralctl agents list"), std::string::npos) << list->help_text;
  EXPECT_NE(list->help_text.find("--status online|missing|offline|revoked"), std::string::npos) << list->help_text;
  EXPECT_NE(list->help_text.find("--limit N"), std::string::npos) << list->help_text;

  auto wrong = parse({"agents", "list", "--status", "lost", "--frob", "--help"});
  ASSERT_TRUE(wrong.ok()) << wrong.status().message();
  EXPECT_NE(wrong->help_text.find("Usage: corralctl agents list"), std::string::npos);

  // After "--" it is an argument, not a request for help.
  Harness h;
  h.fake.answers.push_back(response(200, R"({"id":"--help"})"));
  EXPECT_EQ(h.run({"agents", "show", "--", "--help"}), kExitOk) << h.err.str();
}

TEST(CommandLine, HelpCommandPrintsTheCommandsHelp) {
  Harness by_flag;
  ASSERT_EQ(by_flag.run({"agents", "command", "--help"}), kExitOk);
  Harness by_command;
  ASSERT_EQ(by_command.run({"help", "agents", "command"}), kExitOk) << by_command.err.str();
  EXPECT_EQ(by_command.out.str(), by_flag.out.str());
  EXPECT_NE(by_command.out.str().find("set-max-sessions"), std::string::npos);
}

TEST(CommandLine, DoubleDashEndsFlags) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"id":"--odd-id"})"));
  EXPECT_EQ(h.run({"agents", "show", "--", "--odd-id"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.only_request().url, "https://m.test:8443/api/v1/agents/--odd-id");
}

TEST(CommandLine, AnIdMayBeNamedLikeACommand) {
  Harness h;
  h.fake.answers.push_back(response(202, R"({"commandId":"c-1"})"));
  EXPECT_EQ(h.run({"agents", "command", "drain", "drain"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.only_request().url, "https://m.test:8443/api/v1/agents/drain/commands");
}

TEST(CommandLine, AgentActionsSendTheirCommand) {
  struct Case {
    std::vector<std::string> action;
    std::string body;
  };
  const Case cases[] = {
      {{"drain"}, R"({"command":{"drain":{"enabled":true}}})"},
      {{"undrain"}, R"({"command":{"drain":{}}})"},  // enabled=false is the default
      {{"shutdown"}, R"({"command":{"shutdown":{"reason":"requested with corralctl"}}})"},
      {{"set-max-sessions", "12"}, R"({"command":{"setMaxSessions":{"maxSessions":12}}})"},
      {{"set-max-sessions", "0"}, R"({"command":{"setMaxSessions":{}}})"},
      {{"logoff", "s-9"}, R"({"command":{"logoffSession":{"sessionId":"s-9"}}})"},
  };
  for (const auto& c : cases) {
    Harness h;
    h.fake.answers.push_back(response(202, R"({"commandId":"c-1"})"));
    std::vector<std::string> args = {"agents", "command", "a1"};
    args.insert(args.end(), c.action.begin(), c.action.end());
    ASSERT_EQ(h.run(args), kExitOk) << c.action[0] << ": " << h.err.str();
    EXPECT_EQ(h.only_request().method, "POST");
    EXPECT_EQ(h.only_request().body, c.body) << c.action[0];
    EXPECT_EQ(h.out.str(), "command c-1 sent to agent a1\n");
  }
}

TEST(CommandLine, JoinTokenCreateFlags) {
  Harness h;
  h.fake.answers.push_back(response(201, R"({"id":"jt","token":"cjt.x"})"));
  ASSERT_EQ(h.run({"join-token", "create", "--ttl", "3600", "--label", "env=prod", "--label=role=web=1", "--server-id",
                   "srv-1", "--description", "for the web pool"}),
            kExitOk)
      << h.err.str();
  api::v1::CreateJoinTokenRequest sent;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(h.only_request().body, &sent).ok());
  EXPECT_EQ(sent.ttl_seconds(), 3600u);
  EXPECT_EQ(sent.labels().at("env"), "prod");
  EXPECT_EQ(sent.labels().at("role"), "web=1");
  EXPECT_EQ(sent.server_id(), "srv-1");
  EXPECT_EQ(sent.description(), "for the web pool");
}

struct UsageCase {
  std::vector<std::string> args;
  std::string mentions;
};

TEST(CommandLine, UsageErrorsNameWhatIsWrongAndSendNothing) {
  const UsageCase cases[] = {
      {{}, "no command given (see corralctl --help)"},
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"agents"}, "'agents' needs a command: list, show, revoke, command (see corralctl agents --help)"},
      {{"agents", "dance"}, "unknown command 'agents dance': expected list, show, revoke, command"},
      {{"agents", "list", "extra"}, "unexpected argument 'extra' for 'agents list'"},
      {{"agents", "show"}, "'agents show': ID is required"},
      {{"agents", "show", ""}, "ID: needs a non-empty value"},
      {{"agents", "show", "a", "b"}, "unexpected argument 'b' for 'agents show'"},
      {{"agents", "show", "a1", "list"}, "unexpected argument 'list'"},
      {{"agents", "command", "a1"}, "'agents command' needs a command: drain, undrain, shutdown, set-max-sessions"},
      {{"agents", "command", "a1", "explode"}, "unknown command 'agents command explode'"},
      {{"agents", "command", "a1", "set-max-sessions"}, "N is required"},
      {{"agents", "command", "a1", "set-max-sessions", "-3"}, "N: '-3' is not a whole number"},
      {{"agents", "command", "a1", "set-max-sessions", "99999999999"}, "'99999999999'"},
      {{"agents", "command", "a1", "logoff"}, "SESSION_ID is required"},
      {{"join-token"}, "'join-token' needs a command: create"},
      {{"join-token", "delete"}, "unknown command 'join-token delete'"},
      {{"--bogus", "agents", "list"}, "unknown flag --bogus for 'agents list' (see corralctl agents list --help)"},
      {{"--bogus=1", "agents", "list"}, "unknown flag --bogus for"},
      {{"agents", "list", "--server"}, "--server"},
      {{"--server", "--json", "agents", "list"}, "--server: needs a value, got the flag --json"},
      {{"--server=", "agents", "list"}, "flag --server needs a non-empty value"},
      {{"--token", "x", "--token-file", "f", "agents", "list"},
       "flags --token and --token-file cannot be used together"},
      {{"agents", "list", "--ttl", "60"}, "unknown flag --ttl for 'agents list'"},
      {{"join-token", "create", "--ttl", "soon"}, "--ttl: 'soon' is not a whole number"},
      {{"join-token", "create", "--ttl", "-1"}, "--ttl: '-1'"},
      {{"join-token", "create", "--label", "novalue"}, "--label: 'novalue' is not KEY=VALUE"},
      {{"join-token", "create", "--label", "a=1", "--label", "a=2"}, "--label: key 'a' given twice"},
      {{"agents", "list", "--status", "lost"}, "--status: 'lost' is not one of online, missing, offline, revoked"},
      {{"agents", "list", "--page-size", "1001"}, "--page-size: '1001' is not a whole number from 1 to 1000"},
      {{"agents", "list", "--page-size", "0"}, "--page-size: '0'"},
      {{"agents", "list", "--limit", "0"}, "--limit: '0'"},
      {{"agents", "list", "--label", "=x"}, "--label: '=x' has an empty key"},
      {{"provider-configs", "create"}, "'provider-configs create': --file is required"},
      {{"admin-tokens", "create"}, "'admin-tokens create': NAME is required"},
      {{"admin-tokens", "revoke"}, "'admin-tokens revoke': ID is required"},
      {{"completion", "fish"}, "SHELL: 'fish' is not one of bash, zsh"},
      {{"help", "frob"}, "unknown command 'frob'"},
  };
  for (const auto& c : cases) {
    Harness h;
    std::string line;
    for (const auto& a : c.args) line += " " + a;
    EXPECT_EQ(h.run(c.args), kExitUsage) << line;
    EXPECT_NE(h.err.str().find(c.mentions), std::string::npos) << line << ": " << h.err.str();
    EXPECT_EQ(h.err.str().rfind("corralctl: ", 0), 0u) << line << ": " << h.err.str();
    EXPECT_TRUE(h.fake.requests.empty()) << line;
    EXPECT_EQ(h.out.str(), "") << line;
  }
}

TEST(CommandLine, UsageErrorsDoNotEchoTheToken) {
  auto misspelt = parse({"--token=s3cret-admin", "--tokne=s3cret-admin", "agents", "list"});
  ASSERT_FALSE(misspelt.ok());
  EXPECT_NE(misspelt.status().message().find("--tokne"), std::string::npos);
  EXPECT_EQ(misspelt.status().message().find("s3cret-admin"), std::string::npos);
  auto both = parse({"--token", "s3cret-admin", "--token-file", "f", "agents", "list"});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().message().find("s3cret-admin"), std::string::npos);
}

TEST(Labels, ParseKeyValue) {
  auto label = parse_label("env=prod");
  ASSERT_TRUE(label.ok());
  EXPECT_EQ(label->first, "env");
  EXPECT_EQ(label->second, "prod");

  auto empty_value = parse_label("flag=");
  ASSERT_TRUE(empty_value.ok());
  EXPECT_EQ(empty_value->second, "");

  auto split_at_first = parse_label("a=b=c");
  ASSERT_TRUE(split_at_first.ok());
  EXPECT_EQ(split_at_first->first, "a");
  EXPECT_EQ(split_at_first->second, "b=c");

  auto missing = parse_label("novalue");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::invalid_argument);
  EXPECT_NE(missing.status().message().find("KEY=VALUE"), std::string::npos);

  EXPECT_FALSE(parse_label("=value").ok());
}

}  // namespace
}  // namespace corral::cli
