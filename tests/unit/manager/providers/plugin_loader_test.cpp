// The manager's plugin loader: every refusal names the file and the reason, and a good plugin
// serves calls through the ABI.
#include "manager/providers/plugin_loader.h"
#include "tests/unit/manager/providers/plugin_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace corral::manager::providers {
namespace {

namespace fs = std::filesystem;

class PluginLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = plugins_.root();
    dir_ = plugins_.dir();
    install(MEMORY_PLUGIN, "memory.so");
    install(NO_ENTRY_PLUGIN, "no_entry.so");
    install(ABI_TWO_PLUGIN, "abi_two.so");
    install(REFUSES_HOST_PLUGIN, "refuses_host.so");
    install(PROBE_PLUGIN, "probe.so");
    marker_ = root_ + "/marker";
    ::setenv("CORRAL_TEST_PROBE_MARKER", marker_.c_str(), 1);
    ::unsetenv("CORRAL_TEST_PROBE_MODE");
  }
  void TearDown() override {
    ::unsetenv("CORRAL_TEST_PROBE_MARKER");
    ::unsetenv("CORRAL_TEST_PROBE_MODE");
  }
  // What the probe plugin wrote to its marker file (one "shutdown" line per shutdown call).
  std::string marker() const {
    std::ifstream in(marker_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  void install(const std::string& from, const std::string& name) { plugins_.install(from, name); }
  LoadOptions options(const std::string& file) const {
    LoadOptions o;
    o.plugin_dir = dir_;
    o.file = file;
    return o;
  }
  std::string refusal(const std::string& file, const LoadOptions* custom = nullptr) {
    auto r = load_in_process(custom ? *custom : options(file));
    EXPECT_FALSE(r.ok()) << file << " loaded but should not";
    if (r.ok()) return "";
    EXPECT_NE(r.status().message().find(file), std::string::npos) << r.status().message();
    return r.status().message();
  }

  test_support::PluginDir plugins_{"plugins"};
  std::string root_;
  std::string dir_;
  std::string marker_;
};

TEST_F(PluginLoaderTest, GoodPluginLoadsAndServesCallsThroughTheAbi) {
  auto client = load_in_process(options("memory.so"));
  ASSERT_TRUE(client.ok()) << client.status().message();
  EXPECT_EQ((*client)->description().name(), "memory");

  pv1::CreateVmRequest create;
  create.mutable_config()->set_name("c");
  create.mutable_config()->set_config_json(R"({"capacity": 2})");
  create.set_idempotency_key("k");
  create.set_hostname("h1");
  (*create.mutable_tags())["owner"] = "test";
  auto created = call<pv1::CreateVmResponse>(**client, CORRAL_METHOD_CREATE_VM, create);
  ASSERT_TRUE(created.ok()) << created.status().message();
  ASSERT_FALSE(created->has_error()) << created->error().message();

  pv1::ListVmsRequest list;
  *list.mutable_config() = create.config();
  (*list.mutable_tags())["owner"] = "test";
  auto listed = call<pv1::ListVmsResponse>(**client, CORRAL_METHOD_LIST_VMS, list);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->vms_size(), 1);
  EXPECT_EQ(listed->vms(0).id(), created->vm().id());

  auto unknown = (*client)->invoke(77, "", CallOptions{});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("plugin 'memory' method 77: UNIMPLEMENTED"), std::string::npos)
      << unknown.status().message();
}

TEST_F(PluginLoaderTest, LibraryWithoutTheEntryIsNotAPlugin) {
  EXPECT_NE(refusal("no_entry.so").find("not a Corral provider plugin (no corral_provider_plugin_v1 entry)"),
            std::string::npos);
}

TEST_F(PluginLoaderTest, OtherMajorAbiIsRefusedBeforeAnyCall) {
  // Any call into that plugin's table aborts the test process.
  EXPECT_NE(refusal("abi_two.so").find("plugin ABI 2.0, this manager speaks 1.x"), std::string::npos);
}

TEST_F(PluginLoaderTest, PluginThatRefusesThisHostIsReported) {
  EXPECT_NE(refusal("refuses_host.so").find("refused this manager's ABI 1.0"), std::string::npos);
}

TEST_F(PluginLoaderTest, FileThatIsNotASharedLibraryIsRefused) {
  std::ofstream(dir_ + "/text.so") << "not an ELF file\n";
  ::chmod((dir_ + "/text.so").c_str(), 0644);
  EXPECT_NE(refusal("text.so").find("not a loadable shared library"), std::string::npos);
}

TEST_F(PluginLoaderTest, WritableFileOrDirectoryIsRefused) {
  ::chmod((dir_ + "/memory.so").c_str(), 0757);
  EXPECT_NE(refusal("memory.so").find("the file is group- or world-writable"), std::string::npos);
  ::chmod((dir_ + "/memory.so").c_str(), 0755);
  ::chmod(dir_.c_str(), 0775);
  EXPECT_NE(refusal("memory.so")
                .find("the plugin directory " + fs::canonical(dir_).string() + " is group- or world-writable"),
            std::string::npos);
  ::chmod(dir_.c_str(), 0755);
  // A subdirectory on the way to the file counts as much as the plugin directory.
  fs::create_directory(dir_ + "/sub");
  ::chmod((dir_ + "/sub").c_str(), 0777);
  install(MEMORY_PLUGIN, "sub/memory.so");
  EXPECT_NE(refusal("sub/memory.so")
                .find("the directory " + fs::canonical(dir_).string() +
                      "/sub is group- or "
                      "world-writable"),
            std::string::npos);
  ::chmod((dir_ + "/sub").c_str(), 0755);
  EXPECT_TRUE(load_in_process(options("sub/memory.so")).ok());
}

TEST_F(PluginLoaderTest, FileOrDirectoryOwnedBySomeoneElseIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the file away";
  ASSERT_EQ(::chown((dir_ + "/memory.so").c_str(), 12345, 12345), 0);
  EXPECT_NE(refusal("memory.so").find("the file is owned by uid 12345, not by root or the user the manager runs as"),
            std::string::npos);
  // An owner the caller allows is accepted.
  LoadOptions allowed = options("memory.so");
  allowed.allowed_owners = {12345};
  EXPECT_TRUE(load_in_process(allowed).ok());

  ASSERT_EQ(::chown((dir_ + "/memory.so").c_str(), 0, 0), 0);
  ASSERT_EQ(::chown(dir_.c_str(), 12345, 12345), 0);
  EXPECT_NE(
      refusal("memory.so").find("the plugin directory " + fs::canonical(dir_).string() + " is owned by uid 12345"),
      std::string::npos);
}

TEST_F(PluginLoaderTest, PathsOutsideThePluginDirectoryAreRefused) {
  fs::copy_file(MEMORY_PLUGIN, root_ + "/outside.so");
  EXPECT_NE(refusal("../outside.so").find("outside the plugin directory"), std::string::npos);
  fs::create_symlink(root_ + "/outside.so", dir_ + "/link.so");
  EXPECT_NE(refusal("link.so").find("outside the plugin directory"), std::string::npos);
  EXPECT_NE(refusal("missing.so").find("no such file"), std::string::npos);
}

TEST_F(PluginLoaderTest, PinnedHashMustMatch) {
  auto actual = sha256_file(dir_ + "/memory.so");
  ASSERT_TRUE(actual.ok());
  LoadOptions wrong = options("memory.so");
  wrong.sha256 = std::string(64, '0');
  std::string why = refusal("memory.so", &wrong);
  EXPECT_NE(why.find("its SHA-256 is " + *actual + " but the configuration pins " + wrong.sha256), std::string::npos)
      << why;
  LoadOptions right = options("memory.so");
  right.sha256 = *actual;
  EXPECT_TRUE(load_in_process(right).ok());
  // Upper-case hex is the same pin.
  for (char& c : right.sha256) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(load_in_process(right).ok());
  LoadOptions malformed = options("memory.so");
  malformed.sha256 = "abc";
  EXPECT_NE(refusal("memory.so", &malformed).find("the pinned sha256 'abc' is not 64 hexadecimal digits"),
            std::string::npos);
  auto checked = check_plugin_file(options("memory.so"));
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(checked->sha256(), *actual) << "the hash is computed even without a pin";
}

TEST_F(PluginLoaderTest, WhatIsLoadedIsTheFileThatWasChecked) {
  // The checks hold the file open; swapping it afterwards does not change what is loaded.
  auto checked = check_plugin_file(options("memory.so"));
  ASSERT_TRUE(checked.ok()) << checked.status().message();
  fs::remove(dir_ + "/memory.so");
  install(NO_ENTRY_PLUGIN, "memory.so");
  auto loaded = load_checked(std::move(checked).value(), options("memory.so"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->description().name(), "memory");
  EXPECT_NE(refusal("memory.so").find("no corral_provider_plugin_v1 entry"), std::string::npos)
      << "a fresh load sees the new file";
}

TEST_F(PluginLoaderTest, EntryFailureIsReported) {
  ::setenv("CORRAL_TEST_PROBE_MODE", "entry_fails", 1);
  EXPECT_NE(refusal("probe.so").find("its entry function failed with status 3"), std::string::npos);
}

TEST_F(PluginLoaderTest, TableTooShortIsRefusedBeforeAnyCall) {
  // Every function in that table aborts the test process.
  ::setenv("CORRAL_TEST_PROBE_MODE", "short_table", 1);
  EXPECT_NE(refusal("probe.so")
                .find("its plugin table is 16 bytes, ABI 1.0 needs " + std::to_string(sizeof(corral_plugin_v1))),
            std::string::npos);
}

TEST_F(PluginLoaderTest, TableWithoutFunctionsIsRefused) {
  ::setenv("CORRAL_TEST_PROBE_MODE", "no_invoke", 1);
  EXPECT_NE(refusal("probe.so").find("its plugin table lacks invoke, free_buffer or shutdown"), std::string::npos);
}

TEST_F(PluginLoaderTest, DescribeFailureIsReportedAndThePluginIsShutDown) {
  ::setenv("CORRAL_TEST_PROBE_MODE", "describe_fails", 1);
  std::string why = refusal("probe.so");
  EXPECT_NE(why.find("plugin probe.so: Describe failed: plugin 'probe.so' Describe: INTERNAL: describe is broken"),
            std::string::npos)
      << why;
  EXPECT_EQ(marker(), "shutdown\n") << "shutdown runs once even when Describe failed";
}

TEST_F(PluginLoaderTest, ShutdownRunsOnceWhenTheLastHolderLetsGo) {
  auto client = load_in_process(options("probe.so"));
  ASSERT_TRUE(client.ok()) << client.status().message();
  std::shared_ptr<ProviderClient> holder = *client;
  client = error(ErrorCode::internal, "released");
  EXPECT_EQ(marker(), "") << "still held";
  EXPECT_EQ(holder->description().name(), "probe");
  EXPECT_TRUE(holder->invoke(CORRAL_METHOD_GET_VM, "", CallOptions{}).ok()) << "the code is still mapped";
  holder.reset();
  EXPECT_EQ(marker(), "shutdown\n");
}

}  // namespace
}  // namespace corral::manager::providers
