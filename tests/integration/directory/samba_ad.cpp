#include "tests/integration/directory/samba_ad.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "common/files.h"
#include "tests/integration/harness/process.h"

namespace corral::testing {
namespace {

constexpr char kAdminPassword[] = "Corral-Admin-1";
SambaAd* g_samba = nullptr;

std::string run_script(const std::string& verb, const std::string& dir) {
  const std::string log = dir + "/script-" + verb + ".log";
  auto script =
      Process::start(CORRAL_SAMBA_AD_SCRIPT, {verb, dir + "/dc"}, log, {{"SAMBA_AD_ADMIN_PASS", kAdminPassword}});
  auto rc = script.wait_exit(std::chrono::minutes(3));
  if (!rc.has_value() || *rc != 0) return "";
  return script.log();
}

class SambaEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    samba_.dir = make_temp_dir("corral-samba");
    samba_.admin_password = kAdminPassword;
    std::string out = run_script("start", samba_.dir);
    if (out.find("samba-ad ready") == std::string::npos) {
      auto log = read_file(samba_.dir + "/script-start.log");
      std::fprintf(stderr, "samba_ad.sh start failed:\n%s\n", log.ok() ? log->c_str() : "(no log)");
      std::abort();
    }
    auto ca = read_file(samba_.dir + "/dc/tls/ca.pem");
    auto other = read_file(samba_.dir + "/dc/tls/other-ca.pem");
    if (!ca.ok() || !other.ok()) std::abort();
    samba_.ca_pem = *ca;
    samba_.other_ca_pem = *other;
    g_samba = &samba_;
  }
  void TearDown() override {
    run_script("stop", samba_.dir);
    std::error_code ec;
    std::filesystem::remove_all(samba_.dir, ec);
  }

 private:
  SambaAd samba_;
};

// Registered before main() runs the tests (a static initializer in this translation unit).
[[maybe_unused]] auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new SambaEnvironment);

}  // namespace

const SambaAd& samba_ad() {
  if (g_samba == nullptr) std::abort();
  return *g_samba;
}

manager::directory::DirectoryConfig samba_admin_config() {
  manager::directory::DirectoryConfig c;
  c.url = "ldaps://127.0.0.1";
  c.bind_dn = "Administrator@example.local";
  c.bind_password = samba_ad().admin_password;
  c.ca_pem = samba_ad().ca_pem;
  c.base_dn = "DC=example,DC=local";
  return c;
}

}  // namespace corral::testing
