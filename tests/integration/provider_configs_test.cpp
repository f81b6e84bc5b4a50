// Provider configs through the real manager: validation reports every problem with its path,
// secrets are sealed in the database and never shown or logged, "[redacted]" keeps a stored
// secret on update, and CRUD works end to end.
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/secret_box.h"
#include "tests/integration/harness/fleet_test.h"

namespace corral::testing {
namespace {

namespace fs = std::filesystem;
constexpr char kSecret[] = "sk-live-8f2e0d55c6a94b1e";

class ProviderConfigsTest : public FleetTest {
 protected:
  std::unique_ptr<ManagerUnderTest> start() {
    std::string dir = work_ + "/plugins";
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0755);
    fs::copy_file(CORRAL_MEMORY_PLUGIN, dir + "/memory.so");
    ::chmod((dir + "/memory.so").c_str(), 0755);
    return start_manager("m", "plugins:\n  user: nobody\n  dir: " + dir + "\n  load:\n    - file: memory.so\n");
  }
  // The sealed value stored for `field` of config `id`, read from the database file.
  static std::string stored_config(const std::string& data_dir, const std::string& id) {
    sqlite3* db = nullptr;
    sqlite3_open_v2((data_dir + "/corral.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT config_json FROM provider_configs WHERE id = ?1", -1, &st, nullptr);
    sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

TEST_F(ProviderConfigsTest, SecretsAreSealedRedactedAndKeptOnUpdate) {
  auto m = start();
  auto created = m->call(
      "POST", "/api/v1/provider-configs",
      std::string(R"({"name":"dev","plugin":"memory","config":{"capacity":5,"api_key":")") + kSecret +
          R"("},"startupScriptTemplate":"#!/bin/bash\ncorral-agent --join-token {join_token}\n","maxInstances":4})");
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(created->body.find(kSecret), std::string::npos);
  EXPECT_NE(created->body.find(R"("api_key":"[redacted]")"), std::string::npos) << created->body;
  std::string id = json_string_field(created->body, "id");
  ASSERT_FALSE(id.empty());

  // Sealed at rest, under the master key, bound to this config and field.
  std::string stored = stored_config(m->data_dir(), id);
  ASSERT_FALSE(stored.empty());
  EXPECT_EQ(stored.find(kSecret), std::string::npos);
  EXPECT_EQ(read(m->data_dir() + "/corral.db").find(kSecret), std::string::npos);
  auto box = SecretBox::open_or_create(m->data_dir() + "/master.key");
  ASSERT_TRUE(box.ok());
  auto sealed_at = stored.find("\"v1:");
  ASSERT_NE(sealed_at, std::string::npos) << stored;
  std::string sealed = stored.substr(sealed_at + 1, stored.find('"', sealed_at + 1) - sealed_at - 1);
  EXPECT_EQ(box->open(sealed, "provider-config/" + id + "/api_key").value(), kSecret);

  // An update that sends "[redacted]" keeps the secret (re-sealed) and bumps the revision.
  auto updated = m->call(
      "PUT", "/api/v1/provider-configs/" + id,
      R"({"config":{"capacity":7,"api_key":"[redacted]"},"startupScriptTemplate":"echo {zone}","maxInstances":2})");
  ASSERT_TRUE(updated.ok());
  ASSERT_EQ(updated->status, 200) << updated->body;
  EXPECT_NE(updated->body.find(R"("revision":"2")"), std::string::npos) << updated->body;
  stored = stored_config(m->data_dir(), id);
  sealed_at = stored.find("\"v1:");
  ASSERT_NE(sealed_at, std::string::npos);
  sealed = stored.substr(sealed_at + 1, stored.find('"', sealed_at + 1) - sealed_at - 1);
  EXPECT_EQ(box->open(sealed, "provider-config/" + id + "/api_key").value(), kSecret);

  auto shown = m->call("GET", "/api/v1/provider-configs/dev");
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown->status, 200);
  EXPECT_EQ(shown->body.find(kSecret), std::string::npos);
  EXPECT_EQ(shown->body.find("v1:"), std::string::npos) << "not even the sealed form leaves the manager";
  EXPECT_NE(shown->body.find(R"("capacity":7)"), std::string::npos) << shown->body;

  auto dup = m->call("POST", "/api/v1/provider-configs",
                     R"({"name":"dev","plugin":"memory","config":{"capacity":1},"startupScriptTemplate":"x"})");
  EXPECT_EQ(dup->status, 409) << dup->body;

  auto deleted = m->call("DELETE", "/api/v1/provider-configs/" + id);
  EXPECT_EQ(deleted->status, 200);
  EXPECT_EQ(m->call("GET", "/api/v1/provider-configs/" + id)->status, 404);
  EXPECT_EQ(m->process().log().find(kSecret), std::string::npos) << "a secret reached the log";
}

TEST_F(ProviderConfigsTest, EveryProblemIsReportedWithItsPathAndNothingIsStored) {
  auto m = start();
  auto bad = m->call("POST", "/api/v1/provider-configs",
                     R"({"name":"bad","plugin":"memory","config":{"capacity":0,"colour":"red"},)"
                     R"("startupScriptTemplate":"echo ok\ncorral-agent --join-token {joun_token} {"})");
  ASSERT_TRUE(bad.ok());
  ASSERT_EQ(bad->status, 400) << bad->body;
  for (const char* expected :
       {R"("path":"/config/capacity")", R"("path":"/config/colour")", R"(line 2, column 40: '{' is not closed)"}) {
    EXPECT_NE(bad->body.find(expected), std::string::npos) << expected << " missing in " << bad->body;
  }
  auto unknown_var =
      m->call("POST", "/api/v1/provider-configs",
              R"({"name":"bad2","plugin":"memory","config":{"capacity":1},"startupScriptTemplate":"{joun_token}"})");
  EXPECT_EQ(unknown_var->status, 400);
  EXPECT_NE(unknown_var->body.find("did you mean 'join_token'"), std::string::npos) << unknown_var->body;

  auto no_plugin = m->call("POST", "/api/v1/provider-configs",
                           R"({"name":"bad3","plugin":"aws","config":{},"startupScriptTemplate":""})");
  EXPECT_EQ(no_plugin->status, 400);
  EXPECT_NE(no_plugin->body.find("no plugin named 'aws' is loaded (loaded: memory)"), std::string::npos)
      << no_plugin->body;

  auto list = m->call("GET", "/api/v1/provider-configs");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->status, 200);
  EXPECT_EQ(list->body.find("\"name\""), std::string::npos) << "nothing may be stored: " << list->body;
  EXPECT_EQ(m->call("GET", "/api/v1/provider-configs", "", false)->status, 401);
}

}  // namespace
}  // namespace corral::testing
