// /downloads/ on a real manager over real TLS, without credentials: the index, a file streamed with
// its checksum, HEAD, the sha256sum line, and every way out of the directory refused. Then the
// whole startup path of an autoscaled VM: a template rendered by the autoscaler's renderer with a
// server-bound join token, run by the local provider, checks the manager's CA against the token,
// downloads the agent from /downloads/, verifies it with sha256sum and starts it; the agent backs
// the server.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/encoding.h"
#include "common/text.h"
#include "common/tls/certificate.h"
#include "corral/sdk/testing/plugin_harness.h"
#include "manager/autoscaler/startup_script.h"
#include "manager/store/join_token_issue.h"
#include "manager/store/sqlite_store.h"
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

namespace fs = std::filesystem;
namespace pv1 = ::corral::provider::v1;
using namespace std::chrono_literals;

std::string downloads_read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void downloads_write(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

std::string downloads_header(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (ascii_iequals(k, name)) return v;
  }
  return "";
}

class DownloadsTest : public FleetTest {
 protected:
  std::unique_ptr<ManagerUnderTest> start_with_downloads() {
    dir_ = work_ + "/downloads";
    fs::create_directories(dir_);
    return start_manager("m", "downloads_dir: " + dir_ + "\n");
  }
  static http::Response must(Result<http::Response> r) {
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : http::Response{};
  }
  std::string dir_;
};

TEST_F(DownloadsTest, FilesAreListedAndStreamedWithTheirChecksumWithoutCredentials) {
  auto m = start_with_downloads();
  // Larger than the transport's write chunk and the hash's read buffer, and not a multiple of either.
  std::string deb(700 * 1024 + 13, '\0');
  for (size_t i = 0; i < deb.size(); ++i) deb[i] = static_cast<char>((i * 7919) % 251);
  downloads_write(dir_ + "/corral-agent_0.1.0-1_amd64.deb", deb);
  downloads_write(dir_ + "/corral-agent-windows-x64.msi", "msi");
  const std::string deb_sha = sha256_hex(deb);

  auto index = must(m->call("GET", "/downloads/", "", /*auth=*/false));
  ASSERT_EQ(index.status, 200) << index.body;
  auto files = nlohmann::json::parse(index.body)["files"];
  ASSERT_EQ(files.size(), 2u) << index.body;
  EXPECT_EQ(files[0]["name"], "corral-agent-windows-x64.msi");
  EXPECT_EQ(files[0]["os"], "windows");
  EXPECT_EQ(files[0]["arch"], "x64");
  EXPECT_EQ(files[1]["name"], "corral-agent_0.1.0-1_amd64.deb");
  EXPECT_EQ(files[1]["kind"], "deb");
  EXPECT_EQ(files[1]["os"], "linux");
  EXPECT_EQ(files[1]["arch"], "amd64");
  EXPECT_EQ(files[1]["sizeBytes"], deb.size());
  EXPECT_EQ(files[1]["sha256"], deb_sha);

  auto got = must(m->call("GET", "/downloads/corral-agent_0.1.0-1_amd64.deb", "", false));
  ASSERT_EQ(got.status, 200);
  EXPECT_TRUE(got.body == deb) << "the body differs from the file (" << got.body.size() << " bytes)";
  EXPECT_EQ(downloads_header(got, "X-Checksum-Sha256"), deb_sha);
  EXPECT_EQ(downloads_header(got, "ETag"), "\"" + deb_sha + "\"");

  auto head = must(m->call("HEAD", "/downloads/corral-agent_0.1.0-1_amd64.deb", "", false));
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(downloads_header(head, "Content-Length"), std::to_string(deb.size()));
  EXPECT_EQ(downloads_header(head, "X-Checksum-Sha256"), deb_sha);

  auto line = must(m->call("GET", "/downloads/corral-agent_0.1.0-1_amd64.deb.sha256", "", false));
  EXPECT_EQ(line.status, 200);
  EXPECT_EQ(line.body, deb_sha + "  corral-agent_0.1.0-1_amd64.deb\n");

  // Hashed once for its size and time, not per request.
  EXPECT_EQ(m->process().count_in_log("event=downloads.hashed name=corral-agent_0.1.0-1_amd64.deb"), 1)
      << m->process().log();
  // A changed file is hashed again.
  downloads_write(dir_ + "/corral-agent_0.1.0-1_amd64.deb", "new");
  auto changed = must(m->call("GET", "/downloads/corral-agent_0.1.0-1_amd64.deb", "", false));
  EXPECT_EQ(changed.body, "new");
  EXPECT_EQ(downloads_header(changed, "X-Checksum-Sha256"), sha256_hex("new"));
}

TEST_F(DownloadsTest, NothingOutsideTheDirectoryOrHiddenIsServed) {
  auto m = start_with_downloads();
  downloads_write(dir_ + "/agent", "agent");
  downloads_write(dir_ + "/.hidden", "secret");
  fs::create_directories(dir_ + "/sub");
  downloads_write(dir_ + "/sub/inner", "inner");
  downloads_write(work_ + "/outside", "outside");
  fs::create_symlink(work_ + "/outside", dir_ + "/escape");
  fs::create_symlink(dir_ + "/.hidden", dir_ + "/to-hidden");
  fs::create_symlink("agent", dir_ + "/latest");

  auto index = must(m->call("GET", "/downloads", "", false));
  ASSERT_EQ(index.status, 200);
  auto files = nlohmann::json::parse(index.body)["files"];
  ASSERT_EQ(files.size(), 2u) << index.body;
  EXPECT_EQ(files[0]["name"], "agent");
  EXPECT_EQ(files[1]["name"], "latest") << "a link inside the directory is served";

  for (const char* path : {"/downloads/.hidden", "/downloads/escape", "/downloads/to-hidden", "/downloads/sub",
                           "/downloads/nope", "/downloads/.hidden.sha256"}) {
    auto r = must(m->call("GET", path, "", false));
    EXPECT_EQ(r.status, 404) << path << ": " << r.body;
    EXPECT_EQ(r.body.find("secret"), std::string::npos);
    EXPECT_EQ(r.body.find("outside"), std::string::npos);
  }
  // The listener decodes and resolves dot segments before routing, so these climb out of
  // /downloads/ (to "/" and "/m/data/corral.db") and meet the admin gate there.
  for (const char* path : {"/downloads/%2e%2e", "/downloads/..%2F..%2Fm%2Fdata%2Fcorral.db"}) {
    auto r = must(m->call("GET", path, "", false));
    EXPECT_EQ(r.status, 401) << path << ": " << r.body;
  }
  auto sub = must(m->call("GET", "/downloads/sub/inner", "", false));
  EXPECT_EQ(sub.status, 401) << "only /downloads and one name below it are public: " << sub.body;
  auto post = must(m->call("POST", "/downloads/agent", "{}", false));
  EXPECT_EQ(post.status, 401) << post.body;
}

TEST_F(DownloadsTest, AMissingDirectoryServesAnEmptyIndex) {
  auto m = start_manager("m", "downloads_dir: " + work_ + "/none\n");
  auto index = must(m->call("GET", "/downloads/", "", false));
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, R"({"files":[]})");
}

// The template an operator of the local provider writes: trust the manager only once its CA
// matches the hash the join token carries, then fetch and verify the agent over that trust.
// Shell braces are doubled, as the template language wants.
constexpr const char* kBootstrapTemplate = R"SH(#!/bin/bash
set -euo pipefail
token='{join_token}'
curl -sSk '{manager_url}/api/v1/enroll/ca' \
  | sed -e 's/.*"caCertificatePem":"//' -e 's/".*//' -e 's/\\n/\n/g' > ca.pem
test "$(openssl x509 -in ca.pem -outform DER | sha256sum | cut -d' ' -f1)" = "${{token##*.}}"
curl -sSf --cacert ca.pem -o corral-agent-linux-amd64 '{agent_download_url}corral-agent-linux-amd64'
curl -sSf --cacert ca.pem '{agent_download_url}corral-agent-linux-amd64.sha256' | sha256sum -c -
chmod +x corral-agent-linux-amd64
export CORRAL_JOIN_TOKEN="$token"
exec ./corral-agent-linux-amd64 --data-dir "$PWD/agent" --hostname '{server_hostname}' --manager '{manager_url}'
)SH";

TEST_F(DownloadsTest, AVmsStartupScriptDownloadsTheAgentWhichBacksItsServer) {
  auto m = start_with_downloads();
  fs::copy_file(agent_binary(), dir_ + "/corral-agent-linux-amd64");
  auto pool = must(m->call("POST", "/api/v1/pools", R"({"name":"east","type":"POOL_TYPE_SERVER"})"));
  ASSERT_EQ(pool.status, 201) << pool.body;
  auto server = must(m->call(
      "POST", "/api/v1/servers",
      R"({"poolId":")" + json_string_field(pool.body, "id") + R"(","hostname":"corral-vm1","address":"127.0.0.1"})"));
  ASSERT_EQ(server.status, 201) << server.body;
  const std::string server_id = json_string_field(server.body, "id");

  // The autoscaler's token, written as its reconcile writes it (here into the stopped manager's store).
  auto ca_sha = tls::certificate_sha256_hex(m->ca_pem());
  ASSERT_TRUE(ca_sha.ok());
  ASSERT_TRUE(m->stop().has_value());
  std::string token;
  {
    auto store = store::SqliteStore::open(m->data_dir() + "/corral.db");
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto issued = store::issue_server_join_token((*store)->join_tokens(), server_id, now, now + 600, *ca_sha);
    ASSERT_TRUE(issued.ok()) << issued.status().to_string();
    token = *issued;
  }
  ASSERT_TRUE(m->start()) << m->process().log();

  autoscaler::StartupScriptValues values;
  values.server_id = server_id;
  values.server_hostname = "corral-vm1";
  values.manager_url = m->api_url();
  values.join_token = token;
  values.agent_download_url = autoscaler::agent_download_url(m->api_url());
  auto script = autoscaler::render_startup_script(kBootstrapTemplate, store::PoolType::server, values);
  ASSERT_TRUE(script.ok()) << script.status().to_string();

  const std::string state = work_ + "/local-state";
  pv1::CreateVmRequest create;
  create.mutable_config()->set_name("dev");
  create.mutable_config()->set_config_json(R"({"state_dir":")" + state + R"(","max_vms":1,"stop_grace_ms":2000})");
  create.set_idempotency_key("vm1");
  create.set_hostname("corral-vm1");
  create.set_startup_script(*script);
  create.set_os_type(pv1::OS_TYPE_LINUX);
  corral::sdk::testing::PluginHarness local(CORRAL_LOCAL_PLUGIN);
  auto created = local.invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM, create);
  ASSERT_FALSE(created.has_error()) << created.error().message();
  const std::string console = state + "/vms/" + created.vm().id() + "/console.log";

  ASSERT_TRUE(
      eventually([&] { return downloads_read(console).find("server_id=" + server_id) != std::string::npos; }, 60s))
      << "the VM's agent never came to back its server; console:\n"
      << downloads_read(console);
  EXPECT_NE(downloads_read(console).find("corral-agent-linux-amd64: OK"), std::string::npos) << "sha256sum -c ran";
  ASSERT_TRUE(eventually(
      [&] {
        auto s = m->call("GET", "/api/v1/servers/" + server_id);
        return s.ok() && !json_string_field(s->body, "agentId").empty();
      },
      10s));

  pv1::DeleteVmRequest del;
  *del.mutable_config() = create.config();
  del.set_vm_id(created.vm().id());
  auto deleted = local.invoke<pv1::DeleteVmResponse>(CORRAL_METHOD_DELETE_VM, del);
  EXPECT_FALSE(deleted.has_error()) << deleted.error().message();
}

}  // namespace
}  // namespace corral::testing
