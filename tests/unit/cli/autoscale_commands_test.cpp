// corralctl autoscale-configs against a fake manager: create and update send the file's JSON with
// --pool / --provider-config resolved to ids, an update drops what the manager sets and carries
// the revision, list filters by pool, delete resolves a name, and the manager's refusals reach
// the user.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "fakes.h"

namespace corral::cli {
namespace {

using nlohmann::json;
using testing::Harness;
using testing::response;

using testing::kBase;

// A file holding `text`, removed with the object.
class TempFile {
 public:
  explicit TempFile(const std::string& text)
      : path_(std::filesystem::temp_directory_path() /
              ("corralctl-autoscale-" + std::to_string(::getpid()) + "-" + std::to_string(++count_) + ".json")) {
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int count_ = 0;
  std::filesystem::path path_;
};

TEST(AutoscaleConfigCommands, CreateSendsTheFileWithTheReferencesResolved) {
  TempFile file(R"({"name":"east","maxInstances":4,"minimumAvailableSessions":2})");
  Harness h;
  h.fake.answers.push_back(response(200, R"({"id":"p-1","name":"desktops"})"));
  h.fake.answers.push_back(response(200, R"({"id":"pc-1","name":"local"})"));
  h.fake.answers.push_back(response(201, R"({"id":"as-1","name":"east"})"));
  ASSERT_EQ(
      h.run({"autoscale-configs", "create", "--file", file.path(), "--pool", "desktops", "--provider-config", "local"}),
      kExitOk)
      << h.err.str();
  ASSERT_EQ(h.fake.requests.size(), 3u);
  EXPECT_EQ(h.fake.requests[0].url, kBase + "/api/v1/pools/desktops");
  EXPECT_EQ(h.fake.requests[1].url, kBase + "/api/v1/provider-configs/local");
  EXPECT_EQ(h.fake.requests[2].method, "POST");
  EXPECT_EQ(h.fake.requests[2].url, kBase + "/api/v1/autoscale-configs");
  EXPECT_EQ(json::parse(h.fake.requests[2].body),
            json::parse(R"({"name":"east","maxInstances":4,"minimumAvailableSessions":2,"poolId":"p-1",
                            "providerConfigId":"pc-1"})"));
  EXPECT_EQ(h.out.str(), "autoscale config east created (id as-1)\n");
}

TEST(AutoscaleConfigCommands, UpdateSendsShownJsonBackAsACompareAndSet) {
  TempFile shown(R"({"id":"as-1","name":"east","poolId":"p-1","providerConfigId":"pc-1","maxInstances":6,
                     "createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","revision":"3"})");
  Harness h;
  h.fake.answers.push_back(response(200, R"({"id":"as-1","name":"east"})"));
  h.fake.answers.push_back(response(200, R"({"id":"as-1","name":"east","revision":"4"})"));
  ASSERT_EQ(h.run({"autoscale-configs", "update", "east", "--file", shown.path()}), kExitOk) << h.err.str();
  ASSERT_EQ(h.fake.requests.size(), 2u);
  EXPECT_EQ(h.fake.requests[1].method, "PUT");
  EXPECT_EQ(h.fake.requests[1].url, kBase + "/api/v1/autoscale-configs/as-1");
  EXPECT_EQ(json::parse(h.fake.requests[1].body),
            json::parse(R"({"name":"east","poolId":"p-1","providerConfigId":"pc-1","maxInstances":6,"revision":"3"})"));
  EXPECT_EQ(h.out.str(), "autoscale config east updated (revision 4)\n");

  // --revision names the base; the manager's 409 reaches the user as it was worded.
  Harness stale;
  stale.fake.answers.push_back(response(200, R"({"id":"as-1","name":"east"})"));
  stale.fake.answers.push_back(response(409, R"({"code":409,"reason":"revision_conflict",
      "message":"autoscale config as-1 is at revision 4 but the update was based on revision 2; read it again and retry"})"));
  EXPECT_NE(stale.run({"autoscale-configs", "update", "east", "--file", shown.path(), "--revision", "2"}), kExitOk);
  EXPECT_EQ(json::parse(stale.fake.requests[1].body)["revision"], "2");
  EXPECT_NE(stale.err.str().find("is at revision 4"), std::string::npos) << stale.err.str();
}

TEST(AutoscaleConfigCommands, ListFiltersByPoolAndDeleteResolvesTheName) {
  Harness list;
  list.fake.answers.push_back(response(200, R"({"id":"p-1","name":"desktops"})"));
  list.fake.answers.push_back(response(200, R"({"autoscaleConfigs":[{"id":"as-1","name":"east","poolId":"p-1",)"
                                            R"("enabled":true,"minimumAvailableSessions":4,"maxInstances":10}]})"));
  ASSERT_EQ(list.run({"autoscale-configs", "list", "--pool", "desktops"}), kExitOk) << list.err.str();
  ASSERT_EQ(list.fake.requests.size(), 2u);
  EXPECT_NE(list.fake.requests[1].url.find("/api/v1/autoscale-configs?"), std::string::npos);
  EXPECT_NE(list.fake.requests[1].url.find("poolId=p-1"), std::string::npos) << list.fake.requests[1].url;
  EXPECT_EQ(list.out.str(),
            "NAME  POOL ID  ENABLED  MIN AVAILABLE  MAX  PRIORITY  DRY RUN  ID\n"
            "east  p-1      yes      4              10   0         no       as-1\n");

  Harness deleted;
  deleted.fake.answers.push_back(response(200, R"({"id":"as-1","name":"east"})"));
  deleted.fake.answers.push_back(response(200, R"({"id":"as-1","name":"east"})"));
  ASSERT_EQ(deleted.run({"autoscale-configs", "delete", "east"}), kExitOk) << deleted.err.str();
  ASSERT_EQ(deleted.fake.requests.size(), 2u);
  EXPECT_EQ(deleted.fake.requests[1].method, "DELETE");
  EXPECT_EQ(deleted.fake.requests[1].url, kBase + "/api/v1/autoscale-configs/as-1");
  EXPECT_EQ(deleted.out.str(), "autoscale config east (as-1) deleted\n");
}

TEST(AutoscaleConfigCommands, AFileThatIsNotAnObjectSendsNothing) {
  TempFile bad("[1, 2]");
  Harness h;
  EXPECT_NE(h.run({"autoscale-configs", "create", "--file", bad.path()}), kExitOk);
  EXPECT_TRUE(h.fake.requests.empty());
  EXPECT_NE(h.err.str().find("is not a JSON object"), std::string::npos) << h.err.str();
}

}  // namespace
}  // namespace corral::cli
