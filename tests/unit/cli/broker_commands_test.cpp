// corralctl pools, servers and workspaces against a fake manager: the requests each command
// sends (names resolved to ids, bodies, queries), what it prints, usage errors that send
// nothing, and the manager's refusals as the user sees them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fakes.h"

namespace corral::cli {
namespace {

using nlohmann::json;
using testing::Harness;
using testing::header_of;
using testing::response;

constexpr const char* kPool =
    R"({"id":"p-1","name":"lab","type":"POOL_TYPE_SERVER","labels":["site=lab"],"revision":"1",)"
    R"("createdAt":"2023-11-14T22:13:00Z"})";

using testing::kBase;

TEST(PoolCommands, CreateSendsThePoolAndConfirms) {
  Harness h;
  h.fake.answers.push_back(response(201, kPool));
  ASSERT_EQ(h.run({"pools", "create", "lab", "--type", "server", "--label", "site=lab", "--label", "gpu",
                   "--server-assignment", "--rd-gateway", "gw.example.com:8443"}),
            kExitOk)
      << h.err.str();
  const auto r = h.only_request();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, kBase + "/api/v1/pools");
  EXPECT_EQ(header_of(r, "Content-Type"), "application/json");
  EXPECT_EQ(header_of(r, "Authorization"), std::string("Bearer ") + testing::kToken);
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"name":"lab","type":"POOL_TYPE_SERVER","labels":["site=lab","gpu"],
      "serverAssignment":true,"rdGateway":{"hostname":"gw.example.com","port":8443}})"));
  EXPECT_EQ(h.out.str(), "pool lab created (id p-1)\n");
}

TEST(PoolCommands, BadFlagValuesAreUsageErrorsAndSendNothing) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const Case cases[] = {
      {{"pools", "create", "lab"}, "--type is required"},
      {{"pools", "create", "lab", "--type", "vm"}, "'vm' is not one of server, docker-agent"},
      {{"pools", "create", "lab", "--type", "server", "--rd-gateway", "gw:99999"},
       "'gw:99999' has port '99999': it must be 1-65535"},
      {{"servers", "create", "--pool", "lab", "--hostname", "h", "--address", "a", "--port", "0"},
       "'0' is not a whole number from 1 to 65535"},
      {{"servers", "create", "--pool", "lab", "--hostname", "h", "--address", "a", "--connection", "telnet"},
       "'telnet' is not one of rdp, ssh, vnc"},
      {{"servers", "create", "--pool", "lab", "--hostname", "h"}, "--address is required"},
      {{"servers", "create", "--pool", "lab", "--hostname", "h", "--address", "a", "--password", "pw"},
       "unknown flag --password"},
      {{"workspaces", "create", "w", "--pool", "lab", "--memory", "2GB"}, "unknown unit 'GB'"},
      {{"workspaces", "create", "w", "--pool", "lab", "--cores", "lots"}, "'lots' is not a number of cores"},
      {{"sessions", "list", "--state", "running"}, "'running' is not one of reserved, active, ended"},
      {{"servers", "assign-agent", "s-1"}, "AGENT_ID is required"},
  };
  for (const auto& c : cases) {
    Harness h;
    EXPECT_EQ(h.run(c.args), kExitUsage) << c.args.back();
    EXPECT_NE(h.err.str().find(c.error), std::string::npos) << h.err.str();
    EXPECT_TRUE(h.fake.requests.empty()) << c.args.back();
  }
}

TEST(PoolCommands, ShowTakesANameAndPrintsDetails) {
  Harness h;
  h.fake.answers.push_back(response(200, kPool));
  ASSERT_EQ(h.run({"pools", "show", "lab lab"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.only_request().url, kBase + "/api/v1/pools/lab%20lab");
  EXPECT_EQ(h.out.str(),
            "id:                p-1\n"
            "name:              lab\n"
            "type:              server\n"
            "labels:            site=lab\n"
            "server assignment: no\n"
            "rd gateway:        -\n"
            "created:           2023-11-14T22:13:00Z (20s ago)\n"
            "updated:           -\n"
            "revision:          1\n");
}

TEST(PoolCommands, DeleteResolvesTheNameThenDeletesTheId) {
  Harness h;
  h.fake.answers.push_back(response(200, kPool));
  h.fake.answers.push_back(response(200, kPool));
  ASSERT_EQ(h.run({"pools", "delete", "lab"}), kExitOk) << h.err.str();
  ASSERT_EQ(h.fake.requests.size(), 2u);
  EXPECT_EQ(h.fake.requests[0].method, "GET");
  EXPECT_EQ(h.fake.requests[0].url, kBase + "/api/v1/pools/lab");
  EXPECT_EQ(h.fake.requests[1].method, "DELETE");
  EXPECT_EQ(h.fake.requests[1].url, kBase + "/api/v1/pools/p-1");
  EXPECT_EQ(h.out.str(), "pool lab (p-1) deleted\n");
}

TEST(PoolCommands, RefusedDeleteSaysWhy) {
  Harness h;
  h.fake.answers.push_back(response(200, kPool));
  h.fake.answers.push_back(response(
      409, R"({"code":409,"reason":"failed_precondition","message":"pool lab still has 2 servers and 1 workspace"})"));
  EXPECT_EQ(h.run({"pools", "delete", "lab"}), kExitApiError);
  EXPECT_EQ(h.err.str(), "corralctl: pool lab still has 2 servers and 1 workspace (HTTP 409 failed_precondition)\n");
}

TEST(PoolCommands, ListFollowsEveryPage) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"pools":[)" + std::string(kPool) + R"(],"nextPageToken":"70"})"));
  h.fake.answers.push_back(response(200, R"({"pools":[{"id":"p-2","name":"containers","type":"POOL_TYPE_DOCKER_AGENT",)"
                                         R"("rdGateway":{"hostname":"gw.example.com"}}]})"));
  ASSERT_EQ(h.run({"pools", "list"}), kExitOk) << h.err.str();
  ASSERT_EQ(h.fake.requests.size(), 2u);
  EXPECT_EQ(h.fake.requests[0].url, kBase + "/api/v1/pools");
  EXPECT_EQ(h.fake.requests[1].url, kBase + "/api/v1/pools?pageToken=70");
  EXPECT_EQ(h.out.str(),
            "NAME  TYPE    LABELS    RD GATEWAY  ID\n"
            "lab   server  site=lab  -           p-1\n"
            "containers  docker-agent  -         gw.example.com:443  p-2\n");
}

TEST(PoolCommands, EmptyListSaysSo) {
  Harness h;
  h.fake.answers.push_back(response(200, "{}"));
  ASSERT_EQ(h.run({"pools", "list"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.out.str(), "no pools\n");
}

TEST(PoolCommands, ListJsonJoinsThePages) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"pools":[{"id":"p-1","future":1}],"nextPageToken":"70"})"));
  h.fake.answers.push_back(response(200, R"({"pools":[{"id":"p-2"}]})"));
  ASSERT_EQ(h.run({"pools", "list", "--json"}), kExitOk) << h.err.str();
  EXPECT_EQ(json::parse(h.out.str()), json::parse(R"({"pools":[{"id":"p-1","future":1},{"id":"p-2"}]})"));
}

TEST(PoolCommands, ValidationErrorsListEveryViolation) {
  Harness h;
  h.fake.answers.push_back(response(400, R"({"code":400,"reason":"invalid_argument",
      "message":"the pool has 2 problems","fieldViolations":[{"path":"/name","message":"is required"},
      {"path":"/labels/1","message":"is empty"}]})"));
  EXPECT_EQ(h.run({"pools", "create", "x", "--type", "server"}), kExitApiError);
  EXPECT_EQ(h.err.str(),
            "corralctl: the pool has 2 problems (HTTP 400 invalid_argument)\n"
            "  /name: is required\n"
            "  /labels/1: is empty\n");
}

TEST(ServerCommands, CreateResolvesThePoolAndReadsThePasswordFromStdin) {
  Harness h;
  h.in.str("pa ss\n");
  h.fake.answers.push_back(response(200, kPool));
  h.fake.answers.push_back(response(201,
                                    R"({"id":"s-1","poolId":"p-1","hostname":"ts1","connectionPassword":"[redacted]",)"
                                    R"("maxSimultaneousSessionsPerServer":4,"enabled":true})"));
  ASSERT_EQ(h.run({"servers", "create", "--pool", "lab", "--hostname", "ts1", "--address", "ts1.lab", "--username",
                   "svc", "--password-stdin", "--max-sessions", "4", "--label", "gpu", "--agent", "a-1"}),
            kExitOk)
      << h.err.str();
  ASSERT_EQ(h.fake.requests.size(), 2u);
  EXPECT_EQ(h.fake.requests[0].url, kBase + "/api/v1/pools/lab");
  EXPECT_EQ(h.fake.requests[1].url, kBase + "/api/v1/servers");
  EXPECT_EQ(json::parse(h.fake.requests[1].body), json::parse(R"({"poolId":"p-1","hostname":"ts1",
      "address":"ts1.lab","connectionUsername":"svc","connectionPassword":"pa ss",
      "maxSimultaneousSessionsPerServer":4,"labels":["gpu"],"enabled":true,"agentId":"a-1"})"));
  EXPECT_EQ(h.out.str(), "server ts1 created in pool lab (id s-1)\n");
  EXPECT_EQ(h.err.str(), "");
  EXPECT_EQ(h.out.str().find("pa ss"), std::string::npos);
}

TEST(ServerCommands, EmptyStdinSendsNothing) {
  Harness h;
  EXPECT_EQ(h.run({"servers", "create", "--pool", "lab", "--hostname", "ts1", "--address", "a", "--password-stdin"}),
            kExitApiError);
  EXPECT_NE(h.err.str().find("--password-stdin: standard input was empty"), std::string::npos) << h.err.str();
  EXPECT_TRUE(h.fake.requests.empty());
}

TEST(ServerCommands, UnknownPoolNamesTheFlag) {
  Harness h;
  h.fake.answers.push_back(response(404, R"({"code":404,"reason":"not_found","message":"no pool named labb"})"));
  EXPECT_EQ(h.run({"servers", "create", "--pool", "labb", "--hostname", "ts1", "--address", "a"}), kExitApiError);
  EXPECT_EQ(h.err.str(), "corralctl: --pool labb: no pool named labb (HTTP 404 not_found)\n");
  EXPECT_EQ(h.fake.requests.size(), 1u);
}

TEST(ServerCommands, AServerThatTakesNoSessionsIsPointedOut) {
  Harness h;
  h.fake.answers.push_back(response(200, kPool));
  h.fake.answers.push_back(response(201, R"({"id":"s-1","hostname":"ts1","enabled":true})"));
  ASSERT_EQ(h.run({"servers", "create", "--pool", "lab", "--hostname", "ts1", "--address", "a"}), kExitOk);
  EXPECT_EQ(h.err.str(), "Note: the server takes no sessions while its maximum is 0 (set one with --max-sessions).\n");
}

TEST(ServerCommands, ListFiltersByPoolAndShowsState) {
  Harness h;
  h.fake.answers.push_back(response(200, kPool));
  h.fake.answers.push_back(response(
      200, R"({"servers":[{"id":"s-1","hostname":"ts1","address":"10.0.0.5","maxSimultaneousSessionsPerServer":4,)"
           R"("enabled":true,"agentId":"a-1"},{"id":"s-2","hostname":"ssh1","address":"2001:db8::2",)"
           R"("connectionType":"CONNECTION_TYPE_SSH","connectionPort":2222,"draining":true}]})"));
  ASSERT_EQ(h.run({"servers", "list", "--pool", "lab"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.fake.requests[1].url, kBase + "/api/v1/servers?poolId=p-1");
  EXPECT_EQ(h.out.str(),
            "HOSTNAME  CONNECT TO          TYPE  MAX  STATE               AGENT  ID\n"
            "ts1       10.0.0.5:3389       rdp   4    enabled             a-1    s-1\n"
            "ssh1      [2001:db8::2]:2222  ssh   0    disabled, draining  -      s-2\n");
}

TEST(ServerCommands, ActionsPostToTheirRoutes) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"id":"s-1","hostname":"ts1","draining":true})"));
  ASSERT_EQ(h.run({"servers", "drain", "s-1"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.only_request().method, "POST");
  EXPECT_EQ(h.only_request().url, kBase + "/api/v1/servers/s-1/drain");
  EXPECT_EQ(h.only_request().body, "");
  EXPECT_EQ(h.out.str(), "server ts1 (s-1) draining\n");

  Harness undrain;
  undrain.fake.answers.push_back(response(200, R"({"id":"s-1","hostname":"ts1"})"));
  ASSERT_EQ(undrain.run({"servers", "undrain", "s-1"}), kExitOk);
  EXPECT_EQ(undrain.only_request().url, kBase + "/api/v1/servers/s-1/undrain");

  Harness assign;
  assign.fake.answers.push_back(response(200, R"({"id":"s-1","hostname":"ts1","agentId":"a-9"})"));
  ASSERT_EQ(assign.run({"servers", "assign-agent", "s-1", "a-9"}), kExitOk) << assign.err.str();
  EXPECT_EQ(assign.only_request().url, kBase + "/api/v1/servers/s-1/assign-agent");
  EXPECT_EQ(json::parse(assign.only_request().body), json::parse(R"({"agentId":"a-9"})"));
  EXPECT_EQ(assign.out.str(), "server ts1 (s-1) is backed by agent a-9\n");
}

TEST(ServerCommands, ShowNeverPrintsThePassword) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"id":"s-1","poolId":"p-1","hostname":"ts1","address":"ts1.lab",)"
                                         R"("connectionType":"CONNECTION_TYPE_RDP","connectionUsername":"svc",)"
                                         R"("connectionPassword":"[redacted]","enabled":true,)"
                                         R"("origin":"SERVER_ORIGIN_STATIC","assignedUsers":["alice"]})"));
  ASSERT_EQ(h.run({"servers", "show", "s-1"}), kExitOk) << h.err.str();
  EXPECT_EQ(h.out.str(),
            "id:             s-1\n"
            "hostname:       ts1\n"
            "pool id:        p-1\n"
            "connect to:     ts1.lab:3389\n"
            "connection:     rdp\n"
            "username:       svc\n"
            "password:       stored\n"
            "max sessions:   0\n"
            "labels:         -\n"
            "state:          enabled\n"
            "origin:         static\n"
            "agent:          -\n"
            "assigned users: alice\n"
            "created:        -\n"
            "updated:        -\n"
            "revision:       0\n");
}

TEST(WorkspaceCommands, CreateSendsResourcesAndResolvesThePool) {
  Harness h;
  h.fake.answers.push_back(response(200, R"({"id":"p-2","name":"containers","type":"POOL_TYPE_DOCKER_AGENT"})"));
  h.fake.answers.push_back(response(201, R"({"id":"w-1","name":"desk","poolId":"p-2"})"));
  ASSERT_EQ(h.run({"workspaces", "create", "desk", "--pool", "containers", "--include", "gpu", "--exclude", "old",
                   "--cores", "2", "--memory", "2GiB", "--gpus", "1"}),
            kExitOk)
      << h.err.str();
  ASSERT_EQ(h.fake.requests.size(), 2u);
  EXPECT_EQ(h.fake.requests[1].url, kBase + "/api/v1/workspaces");
  EXPECT_EQ(json::parse(h.fake.requests[1].body), json::parse(R"({"name":"desk","poolId":"p-2",
      "includeLabels":["gpu"],"excludeLabels":["old"],"enabled":true,
      "sessionResources":{"coresMilli":2000,"memoryBytes":"2147483648","gpus":1}})"));
  EXPECT_EQ(h.out.str(), "workspace desk created in pool containers (id w-1)\n");
}

TEST(WorkspaceCommands, ListShowAndDelete) {
  Harness list;
  list.fake.answers.push_back(response(200, R"({"workspaces":[{"id":"w-1","name":"desk","poolId":"p-2",)"
                                            R"("enabled":true,"sessionResources":{"coresMilli":1500,)"
                                            R"("memoryBytes":"2147483648","gpus":1}}]})"));
  ASSERT_EQ(list.run({"workspaces", "list"}), kExitOk) << list.err.str();
  EXPECT_EQ(list.out.str(),
            "NAME  POOL  INCLUDE  EXCLUDE  STATE    PER SESSION              ID\n"
            "desk  p-2   -        -        enabled  1.5 cores, 2 GiB, 1 gpu  w-1\n");

  Harness deleted;
  deleted.fake.answers.push_back(response(200, R"({"id":"w-1","name":"desk"})"));
  ASSERT_EQ(deleted.run({"workspaces", "delete", "desk"}), kExitOk) << deleted.err.str();
  ASSERT_EQ(deleted.fake.requests.size(), 2u);
  EXPECT_EQ(deleted.fake.requests[0].url, kBase + "/api/v1/workspaces/desk");
  EXPECT_EQ(deleted.fake.requests[1].method, "DELETE");
  EXPECT_EQ(deleted.fake.requests[1].url, kBase + "/api/v1/workspaces/w-1");
  EXPECT_EQ(deleted.out.str(), "workspace desk (w-1) deleted\n");
}

}  // namespace
}  // namespace corral::cli
