// plugins/vsphere against govmomi's vCenter simulator over real HTTPS (the manager's host HTTP
// client, libcurl): session, inventory paths, the VM lifecycle, TLS trust, a session that expires
// mid-run, and faults vcsim cannot raise, injected by fault_proxy.py in front of it.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "manager/providers/host_http.h"
#include "plugins/vsphere/clone_spec.h"
#include "plugins/vsphere/inventory.h"
#include "plugins/vsphere/vm_lifecycle.h"
#include "tests/integration/vsphere/vcsim_peer.h"
#include "tests/peers/loopback_server.h"

namespace corral::vsphere {
namespace {

using manager::providers::HostHttpClient;
using manager::providers::HostHttpSettings;
using testing::VcsimPeer;

int64_t vcsim_test_wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Vcsim : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    peer_ = new VcsimPeer();
    auto client = HostHttpClient::create(HostHttpSettings{});
    ASSERT_TRUE(client.ok());
    http_ = new HostHttpClient(std::move(client).value());
  }
  static void TearDownTestSuite() {
    delete http_;
    delete peer_;
  }

  // A valid config for the simulator, trusting it by thumbprint; EDIT changes it first.
  nlohmann::json config_json() const {
    return {{"url", peer_->url()},
            {"user", testing::kVcsimUser},
            {"password", testing::kVcsimPassword},
            {"tls", {{"thumbprint_sha256", peer_->thumbprint()}}},
            {"datacenter", "DC0"},
            {"templates", {{"linux", "vm/Corral Templates/ubuntu 22.04"}, {"windows", "/DC0/vm/DC0_H0_VM1"}}},
            {"folder", "vm/Corral Pools/linux runners"},
            {"resource_pool", "host/DC0_C0"},
            {"datastore", "datastore/LocalDS_0"},
            {"network", "network/DC0_DVPG0"},
            {"num_cpus", 2},
            {"memory_mb", 2048}};
  }

  VsphereConfig parsed(const nlohmann::json& j) const {
    auto c = parse_config(j.dump());
    EXPECT_TRUE(c.ok()) << c.error().message << " at " << c.error().field_path;
    return c.ok() ? c.value() : VsphereConfig{};
  }

  HttpSend send() {
    return [this](const sdk::pv1::HttpRequest& r) {
      if (r.body().find("<Login ") != std::string::npos) logins_++;
      {
        std::lock_guard lock(sent_mu_);
        sent_.push_back(r.body());
      }
      auto res = http_->perform(r, HostHttpClient::monotonic_now_ms() + 60'000, nullptr, "vsphere");
      return sdk::HttpResult{res.status, res.message, res.response};
    };
  }

  VmLifecycle lifecycle(VimSession& session, const std::string& config_name = "vcsim") {
    CallContext ctx{send(), [] { return HostHttpClient::monotonic_now_ms(); }, vcsim_test_wall_ms, [] { return false; },
                    HostHttpClient::monotonic_now_ms() + 120'000};
    return VmLifecycle(session, std::move(ctx), config_name);
  }

  static pv1::CreateVmRequest create_request(const std::string& key, pv1::OsType os = pv1::OS_TYPE_LINUX) {
    pv1::CreateVmRequest r;
    r.mutable_config()->set_name("vcsim");
    r.set_idempotency_key(key);
    r.set_hostname("runner-" + key);
    r.set_os_type(os);
    r.set_startup_script("#!/bin/sh\necho joined\n");
    (*r.mutable_tags())["corral-pool"] = "vcsim-pool";
    (*r.mutable_tags())["corral-test"] = key;
    return r;
  }

  // How many requests sent so far call METHOD, and how many of those hold TEXT.
  int sent_count(const std::string& method, const std::string& text = "") {
    std::lock_guard lock(sent_mu_);
    return static_cast<int>(std::count_if(sent_.begin(), sent_.end(), [&](const std::string& body) {
      return body.find("<soapenv:Body><" + method + " ") != std::string::npos && body.find(text) != std::string::npos;
    }));
  }

  static VcsimPeer* peer_;
  static HostHttpClient* http_;
  std::atomic<int> logins_{0};
  std::mutex sent_mu_;
  std::vector<std::string> sent_;  // request bodies, in order
};

VcsimPeer* Vcsim::peer_ = nullptr;
HostHttpClient* Vcsim::http_ = nullptr;

TEST_F(Vcsim, ClonePowerOnListGetDestroy) {
  VimSession session(parsed(config_json()));
  VmLifecycle l = lifecycle(session);
  auto created = l.create(create_request("lifecycle"));
  ASSERT_FALSE(created.has_error()) << created.error().message();
  const std::string id = created.vm().id();
  EXPECT_TRUE(id.starts_with("vm-")) << id;
  EXPECT_EQ(created.vm().state(), pv1::VM_STATE_RUNNING);

  auto got = l.get(id);
  ASSERT_FALSE(got.has_error()) << got.error().message();
  EXPECT_EQ(got.vm().state(), pv1::VM_STATE_RUNNING);
  EXPECT_EQ(got.vm().hostname(), "runner-lifecycle");
  EXPECT_EQ(got.vm().idempotency_key(), "lifecycle");
  EXPECT_EQ(got.vm().tags().at("corral-test"), "lifecycle");

  auto listed = l.list({{"corral-test", "lifecycle"}});
  ASSERT_FALSE(listed.has_error()) << listed.error().message();
  ASSERT_EQ(listed.vms_size(), 1);
  EXPECT_EQ(listed.vms(0).id(), id);
  EXPECT_EQ(l.list({{"corral-test", "other"}}).vms_size(), 0);
  // The simulator's own VMs carry no ownership marker and are never listed.
  auto everything = l.list({});
  for (const auto& vm : everything.vms()) EXPECT_FALSE(vm.idempotency_key().empty()) << vm.id();

  auto deleted = l.remove(id);
  ASSERT_FALSE(deleted.has_error()) << deleted.error().message();
  EXPECT_EQ(deleted.state(), pv1::VM_STATE_GONE);
  EXPECT_EQ(l.get(id).vm().state(), pv1::VM_STATE_GONE);
  EXPECT_EQ(l.remove(id).state(), pv1::VM_STATE_GONE);
  EXPECT_EQ(l.list({{"corral-test", "lifecycle"}}).vms_size(), 0);
}

TEST_F(Vcsim, TasksAreFollowedThroughThePropertyCollectorNotByPolling) {
  VimSession session(parsed(config_json()));
  VmLifecycle l = lifecycle(session);
  auto created = l.create(create_request("followed"));
  ASSERT_FALSE(created.has_error()) << created.error().message();
  auto deleted = l.remove(created.vm().id());
  ASSERT_FALSE(deleted.has_error()) << deleted.error().message();
  EXPECT_EQ(deleted.state(), pv1::VM_STATE_GONE);

  // Four tasks (clone, power on, power off, destroy), each on a collector and filter of its own,
  // both destroyed once it ended; no task is ever read with RetrievePropertiesEx.
  EXPECT_EQ(sent_count("CreatePropertyCollector"), 4);
  EXPECT_EQ(sent_count("CreateFilter", "<obj type=\"Task\">"), 4);
  EXPECT_GE(sent_count("WaitForUpdatesEx", "<maxWaitSeconds>"), 4);
  EXPECT_EQ(sent_count("DestroyPropertyFilter"), 4);
  EXPECT_EQ(sent_count("DestroyPropertyCollector"), 4);
  EXPECT_EQ(sent_count("RetrievePropertiesEx", "type=\"Task\""), 0);
}

TEST_F(Vcsim, TheCloneCarriesOwnershipAndUserDataInExtraConfig) {
  VimSession session(parsed(config_json()));
  VmLifecycle l = lifecycle(session);
  auto created = l.create(create_request("extra"));
  ASSERT_FALSE(created.has_error()) << created.error().message();
  auto props = retrieve(session, send(), {{"VirtualMachine", created.vm().id()}}, "VirtualMachine",
                        {"name", "config.extraConfig"});
  ASSERT_TRUE(props.ok()) << props.error().message;
  auto ec = option_values(props.value().front().prop("config.extraConfig"));
  EXPECT_EQ(ec["guestinfo.userdata"], base64("#!/bin/sh\necho joined\n"));
  EXPECT_EQ(ec["guestinfo.userdata.encoding"], "base64");
  EXPECT_EQ(ec["corral.managed"], "1");
  EXPECT_EQ(ec["corral.tag.corral-pool"], "vcsim-pool");
  EXPECT_EQ(props.value().front().prop("name").text().get(), vm_name_for("corral-", "vcsim", "extra"));
  EXPECT_EQ(l.remove(created.vm().id()).state(), pv1::VM_STATE_GONE);
}

TEST_F(Vcsim, CreatingAgainWithTheKeyReturnsTheFirstVm) {
  VimSession session(parsed(config_json()));
  VmLifecycle l = lifecycle(session);
  auto first = l.create(create_request("idem"));
  ASSERT_FALSE(first.has_error()) << first.error().message();
  auto second = l.create(create_request("idem"));
  ASSERT_FALSE(second.has_error()) << second.error().message();
  EXPECT_EQ(first.vm().id(), second.vm().id());
  EXPECT_EQ(l.list({{"corral-test", "idem"}}).vms_size(), 1);
  EXPECT_EQ(l.remove(first.vm().id()).state(), pv1::VM_STATE_GONE);
}

TEST_F(Vcsim, WindowsWithSysprepIsCloned) {
  nlohmann::json j = config_json();
  j["customization"] = {{"windows_sysprep", {{"admin_password", "Adm1n-Pass"}, {"workgroup", "CORRAL"}}}};
  VimSession session(parsed(j));
  VmLifecycle l = lifecycle(session);
  auto created = l.create(create_request("win", pv1::OS_TYPE_WINDOWS));
  ASSERT_FALSE(created.has_error()) << created.error().message();
  EXPECT_EQ(created.vm().os_type(), pv1::OS_TYPE_WINDOWS);
  EXPECT_EQ(l.remove(created.vm().id()).state(), pv1::VM_STATE_GONE);
}

TEST_F(Vcsim, WrongPasswordIsAnAuthErrorAtThePassword) {
  nlohmann::json j = config_json();
  j["password"] = "not-the-password";
  VimSession session(parsed(j));
  auto created = lifecycle(session).create(create_request("badpass"));
  ASSERT_TRUE(created.has_error());
  EXPECT_EQ(created.error().class_(), pv1::ERROR_CLASS_AUTH) << created.error().message();
  EXPECT_EQ(created.error().field_path(), "/password");
  EXPECT_NE(created.error().message().find("InvalidLogin"), std::string::npos) << created.error().message();
  EXPECT_EQ(created.error().message().find("not-the-password"), std::string::npos);
}

TEST_F(Vcsim, AnInventoryPathThatDoesNotResolveNamesTheFieldAndThePath) {
  nlohmann::json j = config_json();
  j["folder"] = "vm/Corral Pools/no such folder";
  VimSession session(parsed(j));
  auto created = lifecycle(session).create(create_request("nopath"));
  ASSERT_TRUE(created.has_error());
  EXPECT_EQ(created.error().class_(), pv1::ERROR_CLASS_INVALID_CONFIG);
  EXPECT_EQ(created.error().field_path(), "/folder");
  EXPECT_NE(created.error().message().find("/DC0/vm/Corral Pools/no such folder"), std::string::npos)
      << created.error().message();

  j = config_json();
  j["templates"]["linux"] = "/DC0/vm/missing template";
  VimSession other(parsed(j));
  created = lifecycle(other).create(create_request("nopath"));
  EXPECT_EQ(created.error().field_path(), "/templates/linux") << created.error().message();
}

TEST_F(Vcsim, SelfSignedCertificateIsRefusedThenAcceptedByThumbprintOrCa) {
  nlohmann::json j = config_json();
  j.erase("tls");
  VimSession untrusted(parsed(j));
  auto refused = lifecycle(untrusted).list({});
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().class_(), pv1::ERROR_CLASS_INVALID_CONFIG);
  EXPECT_EQ(refused.error().field_path(), "/tls");
  EXPECT_NE(refused.error().message().find(peer_->thumbprint()), std::string::npos) << refused.error().message();

  VimSession pinned(parsed(config_json()));
  EXPECT_FALSE(lifecycle(pinned).list({}).has_error());

  j["tls"] = {{"ca_pem", peer_->cert_pem()}};
  VimSession by_ca(parsed(j));
  auto listed = lifecycle(by_ca).list({});
  EXPECT_FALSE(listed.has_error()) << listed.error().message();

  j["tls"] = {{"thumbprint_sha256", std::string(95, 'A')}};
  for (size_t i = 2; i < 95; i += 3) j["tls"]["thumbprint_sha256"].get_ref<std::string&>()[i] = ':';
  VimSession wrong_pin(parsed(j));
  refused = lifecycle(wrong_pin).list({});
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().field_path(), "/tls");
}

TEST_F(Vcsim, ASessionTerminatedMidRunLogsInAgain) {
  VimSession session(parsed(config_json()));
  VmLifecycle l = lifecycle(session);
  ASSERT_FALSE(l.list({}).has_error());
  ASSERT_EQ(logins_.load(), 1);

  // An administrator's session ends every other one, as a vCenter restart or idle timeout would.
  VimSession admin(parsed(config_json()));
  auto content = admin.content(send());
  ASSERT_TRUE(content.ok()) << content.error().message;
  auto sessions =
      retrieve(admin, send(), {content.value().session_manager}, "SessionManager", {"sessionList", "currentSession"});
  ASSERT_TRUE(sessions.ok()) << sessions.error().message;
  std::string own = child(sessions.value().front().prop("currentSession"), "key").text().get();
  std::string terminate;
  for (pugi::xml_node s : children(sessions.value().front().prop("sessionList"), "UserSession")) {
    std::string key = child(s, "key").text().get();
    if (key != own) terminate += text_xml("sessionId", key);
  }
  ASSERT_FALSE(terminate.empty());
  auto ended =
      admin.call(send(), "<TerminateSession xmlns=\"urn:vim25\">" +
                             moref_xml("_this", content.value().session_manager) + terminate + "</TerminateSession>");
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  const int before = logins_.load();

  auto listed = l.list({});
  EXPECT_FALSE(listed.has_error()) << listed.error().message();
  EXPECT_EQ(logins_.load(), before + 1) << "the expired session was not replaced by one new login";
}

TEST_F(Vcsim, LogoutEndsTheSession) {
  VimSession session(parsed(config_json()));
  ASSERT_FALSE(lifecycle(session).list({}).has_error());
  EXPECT_TRUE(session.logged_in());
  session.logout(send());
  EXPECT_FALSE(session.logged_in());
}

// ---- Faults vcsim cannot raise, through fault_proxy.py ----------------------------------------

class InjectedFaults : public Vcsim {
 protected:
  VsphereConfig through(const corral::testing::LoopbackServer& proxy) const {
    VsphereConfig c = parsed(config_json());
    c.url = proxy.url() + "/sdk";  // plain HTTP to the proxy on loopback; the proxy speaks TLS to vcsim
    c.tls = {};
    return c;
  }
  corral::testing::LoopbackServer proxy(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--upstream", peer_->url()});
    return corral::testing::LoopbackServer(CORRAL_VSPHERE_TEST_DIR "/fault_proxy.py", args);
  }
};

TEST_F(InjectedFaults, CloneFaultsMapToTheirClasses) {
  const std::pair<const char*, pv1::ErrorClass> cases[] = {
      {"InsufficientResourcesFault", pv1::ERROR_CLASS_OUT_OF_CAPACITY},
      {"NotEnoughLicenses", pv1::ERROR_CLASS_QUOTA},
      {"NoPermission", pv1::ERROR_CLASS_AUTH},
      {"DuplicateName", pv1::ERROR_CLASS_INVALID_CONFIG},
      {"FileFault", pv1::ERROR_CLASS_TRANSIENT},
  };
  for (const auto& [fault, cls] : cases) {
    auto p = proxy({"--fault", std::string("CloneVM_Task=") + fault});
    VimSession session(through(p));
    auto created = lifecycle(session).create(create_request(std::string("fault-") + fault));
    ASSERT_TRUE(created.has_error()) << fault;
    EXPECT_EQ(created.error().class_(), cls) << fault << ": " << created.error().message();
    EXPECT_NE(created.error().message().find(fault), std::string::npos) << created.error().message();
  }
}

TEST_F(InjectedFaults, ATaskThatFailsInVcenterMapsItsFault) {
  auto p = proxy({"--task-fault", "CloneVM_Task=InsufficientHostCapacityFault"});
  VimSession session(through(p));
  auto created = lifecycle(session).create(create_request("taskfault"));
  ASSERT_TRUE(created.has_error());
  EXPECT_EQ(created.error().class_(), pv1::ERROR_CLASS_OUT_OF_CAPACITY) << created.error().message();
  EXPECT_NE(created.error().message().find("injected task"), std::string::npos) << created.error().message();
}

TEST_F(InjectedFaults, PowerOnRefusedForLicensesIsQuota) {
  auto p = proxy({"--fault", "PowerOnVM_Task=NotEnoughLicenses"});
  VimSession session(through(p));
  VmLifecycle l = lifecycle(session);
  auto created = l.create(create_request("poweron-quota"));
  ASSERT_TRUE(created.has_error());
  EXPECT_EQ(created.error().class_(), pv1::ERROR_CLASS_QUOTA) << created.error().message();
  // The clone exists, powered off and young: listed as creating, and deletable.
  auto listed = l.list({{"corral-test", "poweron-quota"}});
  ASSERT_EQ(listed.vms_size(), 1);
  EXPECT_EQ(listed.vms(0).state(), pv1::VM_STATE_CREATING);
  EXPECT_EQ(l.remove(listed.vms(0).id()).state(), pv1::VM_STATE_GONE);
}

}  // namespace
}  // namespace corral::vsphere
