// The registry the manager builds from its config: every plugin loaded in the isolation asked
// for, by its Describe name, all or nothing.
#include "manager/providers/provider_registry.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/config/yaml_loader.h"
#include "manager/providers/isolated_client.h"
#include "manager/providers/plugin_loader.h"
#include "tests/unit/manager/providers/plugin_dir.h"

namespace corral::manager::providers {
namespace {

namespace fs = std::filesystem;
namespace cv1 = ::corral::config::v1;

class ProviderRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = plugins_.dir();
    for (const char* name : {"memory.so", "memory-copy.so"}) plugins_.install(MEMORY_PLUGIN, name);
    data_dir_ = plugins_.root() + "/data";
    fs::create_directory(data_dir_);
  }

  // The plugins section of a manager config, as YAML. Isolated plugins run as nobody when the
  // tests run as root (no corral-plugin user on a build machine).
  cv1::PluginsConfig config(const std::string& yaml, const std::string& user = "nobody") {
    cv1::ManagerConfig c;
    Status s = config::load_yaml("plugins:\n  dir: " + dir_ + "\n  user: " + user + "\n" + yaml, &c);
    EXPECT_TRUE(s.ok()) << s.message();
    return c.plugins();
  }
  Result<std::unique_ptr<ProviderRegistry>> load(const cv1::PluginsConfig& c) {
    return ProviderRegistry::load(c, "/nonexistent/plugins", PLUGIN_HOST_BIN, data_dir_);
  }

  test_support::PluginDir plugins_{"registry"};
  std::string dir_;
  std::string data_dir_;
};

TEST_F(ProviderRegistryTest, NothingConfiguredLoadsNothing) {
  auto r = ProviderRegistry::load(cv1::PluginsConfig{}, "/nonexistent/plugins", "/nonexistent/host", data_dir_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE((*r)->names().empty());
  EXPECT_EQ((*r)->find("memory"), nullptr);
}

TEST_F(ProviderRegistryTest, IsolationIsProcessUnlessInProcessIsAsked) {
  auto r = load(config("  load:\n    - file: memory.so\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ((*r)->names(), std::vector<std::string>{"memory"});
  const auto& entry = (*r)->entries().at("memory");
  EXPECT_EQ(entry.isolation, "process");
  EXPECT_NE(dynamic_cast<IsolatedClient*>(entry.client.get()), nullptr);
  EXPECT_EQ(entry.file, "memory.so");
  auto sum = sha256_file(dir_ + "/memory.so");
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(entry.sha256, *sum);
  EXPECT_EQ((*r)->find("memory"), entry.client);
  EXPECT_TRUE((*r)->find("memory")->invoke(CORRAL_METHOD_DESCRIBE, "", CallOptions{}).ok());

  auto in = load(config("  load:\n    - file: memory.so\n      isolation: in_process\n"));
  ASSERT_TRUE(in.ok()) << in.status().message();
  EXPECT_EQ((*in)->entries().at("memory").isolation, "in_process");
  EXPECT_NE(dynamic_cast<InProcessClient*>((*in)->find("memory").get()), nullptr);

  auto explicit_process = load(config("  load:\n    - file: memory.so\n      isolation: ISOLATION_PROCESS\n"));
  ASSERT_TRUE(explicit_process.ok());
  EXPECT_EQ((*explicit_process)->entries().at("memory").isolation, "process");
}

TEST_F(ProviderRegistryTest, UnknownIsolationIsAConfigError) {
  cv1::ManagerConfig c;
  Status s = config::load_yaml("plugins:\n  load:\n    - file: memory.so\n      isolation: sandbox\n", &c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("expected one of unspecified, process, in_process"), std::string::npos) << s.message();
}

TEST_F(ProviderRegistryTest, TwoPluginsWithOneNameAreRefused) {
  auto r =
      load(config("  load:\n    - file: memory.so\n      isolation: in_process\n"
                  "    - file: memory-copy.so\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "two plugins are named 'memory': memory.so and memory-copy.so (plugins.load[1])");
}

TEST_F(ProviderRegistryTest, APluginThatFailsItsChecksFailsTheWholeLoad) {
  auto missing = load(config("  load:\n    - file: memory.so\n    - file: gone.so\n"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("plugin gone.so: no such file"), std::string::npos)
      << missing.status().message();

  auto pinned = load(config("  load:\n    - file: memory.so\n      sha256: " + std::string(64, 'a') + "\n"));
  ASSERT_FALSE(pinned.ok());
  EXPECT_NE(pinned.status().message().find("the configuration pins " + std::string(64, 'a')), std::string::npos)
      << pinned.status().message();

  auto no_file = load(config("  load:\n    - sha256: abc\n"));
  ASSERT_FALSE(no_file.ok());
  EXPECT_EQ(no_file.status().message(), "plugins.load[0].file is required");

  auto bad_http =
      load(config("  http:\n    ca_bundle_only: true\n  load:\n    - file: memory.so\n"
                  "      isolation: in_process\n"));
  ASSERT_FALSE(bad_http.ok());
  EXPECT_EQ(bad_http.status().message(), "plugins.http: HTTP service for plugins: ca_bundle_only needs ca_bundle_file");
}

TEST_F(ProviderRegistryTest, DefaultDirectoryAppliesWhenTheConfigHasNone) {
  cv1::ManagerConfig c;
  ASSERT_TRUE(config::load_yaml("plugins:\n  load:\n    - file: memory.so\n      isolation: in_process\n", &c).ok());
  auto r = ProviderRegistry::load(c.plugins(), dir_, PLUGIN_HOST_BIN, data_dir_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->names(), std::vector<std::string>{"memory"});
}

TEST_F(ProviderRegistryTest, EachPluginHasAConcurrencyLimit) {
  auto r = load(config("  load:\n    - file: memory.so\n      isolation: in_process\n      max_concurrent_calls: 2\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->entries().at("memory").max_concurrent_calls, 2u);
  auto d = load(config("  load:\n    - file: memory.so\n      isolation: in_process\n"));
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ((*d)->entries().at("memory").max_concurrent_calls, ProviderRegistry::kDefaultMaxConcurrentCalls);
}

TEST_F(ProviderRegistryTest, AllowedPathsMustExistBeAbsoluteAndKeepTheDataDirectoryOutOfReach) {
  auto relative = load(config("  load:\n    - file: memory.so\n      allow_write: [state]\n"));
  EXPECT_EQ(relative.status().message(), "plugins.load[0].allow_write: 'state' is not an absolute path");
  auto absent = load(config("  load:\n    - file: memory.so\n      allow_read: [" + plugins_.root() + "/absent]\n"));
  EXPECT_EQ(absent.status().message(), "plugins.load[0].allow_read: " + plugins_.root() + "/absent does not exist");
  // The directory that holds the data directory, and one inside it.
  auto above = load(config("  load:\n    - file: memory.so\n      allow_read: [" + plugins_.root() + "]\n"));
  EXPECT_EQ(above.status().message(), "plugins.load[0].allow_read: " + plugins_.root() +
                                          " would let the plugin reach the data directory " + data_dir_);
  fs::create_directory(data_dir_ + "/sub");
  auto inside = load(config("  load:\n    - file: memory.so\n      allow_write: [" + data_dir_ + "/sub]\n"));
  EXPECT_EQ(inside.status().message(), "plugins.load[0].allow_write: " + data_dir_ +
                                           "/sub would let the plugin reach the data directory " + data_dir_);
  // In-process plugins are not confined: their paths mean nothing and are not checked.
  auto in_process =
      load(config("  load:\n    - file: memory.so\n      isolation: in_process\n      allow_read: [relative]\n"));
  EXPECT_TRUE(in_process.ok()) << in_process.status().message();

  auto ok = load(config("  load:\n    - file: memory.so\n      allow_write: [" + dir_ + "]\n"));
  EXPECT_TRUE(ok.ok()) << ok.status().message();
}

TEST_F(ProviderRegistryTest, ADataDirectoryInsideASystemDirectoryIsRefused) {
  auto r = ProviderRegistry::load(config("  load:\n    - file: memory.so\n"), "/nonexistent", PLUGIN_HOST_BIN,
                                  "/etc/corral");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "the data directory /etc/corral is inside /etc, which isolated plugins may read; move it (the packages "
            "use /var/lib/corral)");
}

TEST_F(ProviderRegistryTest, AsRootTheDefaultPluginUserMustExist) {
  if (::geteuid() != 0) GTEST_SKIP() << "the plugin user is used only when the manager runs as root";
  if (::getpwnam(kDefaultPluginUser) != nullptr) GTEST_SKIP() << "this machine has a corral-plugin user";
  cv1::ManagerConfig c;
  ASSERT_TRUE(config::load_yaml("plugins:\n  dir: " + dir_ + "\n  load:\n    - file: memory.so\n", &c).ok());
  auto r = load(c.plugins());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("plugin memory.so: the manager runs as root and isolated plugins run as the "
                                      "user 'corral-plugin' (plugins.user), which does not exist"),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace corral::manager::providers
