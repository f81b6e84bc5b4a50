#include "cli/args.h"

#include <gtest/gtest.h>

namespace corral::cli {
namespace {

Result<Invocation> parse(std::vector<std::string> args) { return parse_args(args); }

// Every usage error is invalid_argument and names what was wrong.
void expect_usage_error(std::vector<std::string> args, const std::string& mentions) {
  auto inv = parse_args(args);
  ASSERT_FALSE(inv.ok()) << "parsed: " << mentions;
  EXPECT_EQ(inv.status().code(), ErrorCode::invalid_argument);
  EXPECT_NE(inv.status().message().find(mentions), std::string::npos) << inv.status().message();
}

TEST(Args, GlobalFlagsBeforeAndAfterTheCommand) {
  auto inv = parse({"--server", "https://m:8443", "--token-file=/t", "agents", "list", "--json", "--ca-cert", "ca.pem",
                    "--config", "c.yaml"});
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->command, CommandKind::agents_list);
  EXPECT_EQ(inv->flags.server, "https://m:8443");
  EXPECT_EQ(inv->flags.token_file, "/t");
  EXPECT_EQ(inv->flags.ca_cert, "ca.pem");
  EXPECT_EQ(inv->flags.config, "c.yaml");
  EXPECT_FALSE(inv->flags.token.has_value());
  EXPECT_TRUE(inv->flags.json);
}

TEST(Args, AgentsShowAndRevokeTakeAnId) {
  auto show = parse({"agents", "show", "a1"});
  ASSERT_TRUE(show.ok());
  EXPECT_EQ(show->command, CommandKind::agents_show);
  EXPECT_EQ(show->agent_id, "a1");
  auto revoke = parse({"agents", "revoke", "a2"});
  ASSERT_TRUE(revoke.ok());
  EXPECT_EQ(revoke->command, CommandKind::agents_revoke);
  EXPECT_EQ(revoke->agent_id, "a2");
}

TEST(Args, AgentCommandActions) {
  auto drain = parse({"agents", "command", "a1", "drain"});
  ASSERT_TRUE(drain.ok());
  EXPECT_EQ(drain->command, CommandKind::agents_command);
  ASSERT_TRUE(drain->agent_command.has_drain());
  EXPECT_TRUE(drain->agent_command.drain().enabled());

  auto undrain = parse({"agents", "command", "a1", "undrain"});
  ASSERT_TRUE(undrain.ok());
  ASSERT_TRUE(undrain->agent_command.has_drain());
  EXPECT_FALSE(undrain->agent_command.drain().enabled());

  auto shutdown = parse({"agents", "command", "a1", "shutdown"});
  ASSERT_TRUE(shutdown.ok());
  EXPECT_TRUE(shutdown->agent_command.has_shutdown());

  auto max = parse({"agents", "command", "a1", "set-max-sessions", "12"});
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->agent_command.set_max_sessions().max_sessions(), 12u);

  auto logoff = parse({"agents", "command", "a1", "logoff", "s-9"});
  ASSERT_TRUE(logoff.ok());
  EXPECT_EQ(logoff->agent_command.logoff_session().session_id(), "s-9");
  EXPECT_TRUE(logoff->agent_command.command_id().empty());
}

TEST(Args, JoinTokenCreateFlags) {
  auto inv = parse({"join-token", "create", "--ttl", "3600", "--label", "env=prod", "--label=role=web=1", "--server-id",
                    "srv-1", "--description", "for the web pool"});
  ASSERT_TRUE(inv.ok()) << inv.status().message();
  EXPECT_EQ(inv->command, CommandKind::join_token_create);
  EXPECT_EQ(inv->join_token.ttl_seconds(), 3600u);
  EXPECT_EQ(inv->join_token.labels().at("env"), "prod");
  EXPECT_EQ(inv->join_token.labels().at("role"), "web=1");
  EXPECT_EQ(inv->join_token.server_id(), "srv-1");
  EXPECT_EQ(inv->join_token.description(), "for the web pool");
}

TEST(Args, HelpAndVersion) {
  EXPECT_EQ(parse({"--help"})->command, CommandKind::help);
  EXPECT_EQ(parse({"help"})->command, CommandKind::help);
  EXPECT_EQ(parse({"agents", "show", "-h"})->command, CommandKind::help);
  EXPECT_EQ(parse({"version"})->command, CommandKind::version);
}

TEST(Args, DoubleDashEndsFlags) {
  auto inv = parse({"agents", "show", "--", "--odd-id"});
  ASSERT_TRUE(inv.ok());
  EXPECT_EQ(inv->agent_id, "--odd-id");
}

TEST(Args, UsageErrorsNameTheFlagOrArgument) {
  expect_usage_error({}, "no command");
  expect_usage_error({"frobnicate"}, "'frobnicate'");
  expect_usage_error({"agents"}, "'agents' needs a subcommand");
  expect_usage_error({"agents", "dance"}, "agents dance");
  expect_usage_error({"agents", "list", "extra"}, "'extra'");
  expect_usage_error({"agents", "show"}, "needs an agent ID");
  expect_usage_error({"agents", "show", "a", "b"}, "'b'");
  expect_usage_error({"agents", "command", "a1"}, "needs an action");
  expect_usage_error({"agents", "command", "a1", "explode"}, "'explode'");
  expect_usage_error({"agents", "command", "a1", "set-max-sessions"}, "set-max-sessions");
  expect_usage_error({"agents", "command", "a1", "set-max-sessions", "-3"}, "-3");
  expect_usage_error({"agents", "command", "a1", "set-max-sessions", "99999999999"}, "99999999999");
  expect_usage_error({"agents", "command", "a1", "logoff"}, "session ID");
  expect_usage_error({"join-token"}, "'join-token' needs a subcommand");
  expect_usage_error({"join-token", "delete"}, "join-token delete");
  expect_usage_error({"--bogus", "agents", "list"}, "--bogus");
  expect_usage_error({"--bogus=1", "agents", "list"}, "--bogus");
  expect_usage_error({"agents", "list", "--server"}, "--server");
  expect_usage_error({"--server", "--json", "agents", "list"}, "--server");
  expect_usage_error({"--server=", "agents", "list"}, "--server");
  expect_usage_error({"--json=yes", "agents", "list"}, "--json");
  expect_usage_error({"--token", "x", "--token-file", "f", "agents", "list"}, "--token-file");
  expect_usage_error({"agents", "list", "--ttl", "60"}, "--ttl");
  expect_usage_error({"join-token", "create", "--ttl", "soon"}, "--ttl");
  expect_usage_error({"join-token", "create", "--ttl", "-1"}, "--ttl");
  expect_usage_error({"join-token", "create", "--label", "novalue"}, "--label");
  expect_usage_error({"join-token", "create", "--label", "a=1", "--label", "a=2"}, "--label");
}

TEST(Args, UsageErrorsDoNotEchoTheToken) {
  auto inv = parse({"--token=s3cret-admin", "--tokne", "agents", "list"});
  ASSERT_FALSE(inv.ok());
  EXPECT_EQ(inv.status().message().find("s3cret-admin"), std::string::npos);
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
  EXPECT_NE(missing.status().message().find("--label"), std::string::npos);
  EXPECT_NE(missing.status().message().find("KEY=VALUE"), std::string::npos);

  EXPECT_FALSE(parse_label("=value").ok());
}

}  // namespace
}  // namespace corral::cli
