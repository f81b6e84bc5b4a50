// The provider conformance kit: GoogleTest cases any provider plugin runs against itself, through
// the C ABI, to show it keeps the rules the manager relies on. Use the ready-made runner
// (`corral-provider-conformance --plugin X.so --config valid.json ...`, docs/plugin-guide.md) or
// call register_conformance_tests() from your own gtest main.
//
// What it checks: Describe is complete and its schema accepts the valid config; ValidateConfig
// accepts the valid config and rejects the invalid one at the expected JSON Pointer; create → get
// → list by tags → delete → delete again → get says gone; one idempotency key gives one VM; a
// create with an invalid config is an invalid_config error, not a crash; unknown ids are gone;
// unknown methods and undecodable requests are refused with the right status; nothing the run
// created is left behind.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "corral/sdk/json_schema.h"
#include "corral/sdk/testing/plugin_harness.h"

namespace corral::sdk::testing {

struct ConformanceOptions {
  std::string plugin_path;
  std::string config_json;          // a config the plugin accepts and can create VMs with
  std::string invalid_config_json;  // a config it must reject...
  std::string invalid_config_path;  // ...reporting this JSON Pointer (e.g. "/region")
  std::string startup_script = "#!/bin/bash\nexec sleep 600\n";
  pv1::OsType os_type = pv1::OS_TYPE_LINUX;
  std::string zone;
  std::chrono::seconds ready_timeout{std::chrono::seconds(300)};
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds(200)};
};

namespace detail {

struct Suite {
  ConformanceOptions options;
  std::unique_ptr<PluginHarness> plugin;
  std::string run_tag;  // value of the "corral-conformance-run" tag on everything this run makes

  pv1::ProviderConfig config(bool valid = true) const {
    pv1::ProviderConfig c;
    c.set_name("conformance");
    c.set_revision(1);
    c.set_config_json(valid ? options.config_json : options.invalid_config_json);
    return c;
  }

  pv1::CreateVmRequest create_request(const std::string& key, const std::string& hostname) const {
    pv1::CreateVmRequest r;
    *r.mutable_config() = config();
    r.set_idempotency_key(key);
    r.set_hostname(hostname);
    (*r.mutable_tags())["corral-conformance-run"] = run_tag;
    r.set_startup_script(options.startup_script);
    r.set_os_type(options.os_type);
    r.set_zone(options.zone);
    return r;
  }

  pv1::Vm get(const std::string& id) const {
    pv1::GetVmRequest r;
    *r.mutable_config() = config();
    r.set_vm_id(id);
    auto resp = plugin->invoke<pv1::GetVmResponse>(CORRAL_METHOD_GET_VM, r);
    EXPECT_FALSE(resp.has_error()) << resp.error().message();
    return resp.vm();
  }

  std::vector<pv1::Vm> list(const std::string& tag_value) const {
    pv1::ListVmsRequest r;
    *r.mutable_config() = config();
    (*r.mutable_tags())["corral-conformance-run"] = tag_value;
    auto resp = plugin->invoke<pv1::ListVmsResponse>(CORRAL_METHOD_LIST_VMS, r);
    EXPECT_FALSE(resp.has_error()) << resp.error().message();
    return {resp.vms().begin(), resp.vms().end()};
  }

  pv1::DeleteVmResponse remove(const std::string& id) const {
    pv1::DeleteVmRequest r;
    *r.mutable_config() = config();
    r.set_vm_id(id);
    return plugin->invoke<pv1::DeleteVmResponse>(CORRAL_METHOD_DELETE_VM, r);
  }

  // Polls GetVm until `done` or the ready timeout; returns the last answer.
  template <typename Pred>
  pv1::Vm wait_for(const std::string& id, Pred done) {
    auto until = std::chrono::steady_clock::now() + options.ready_timeout;
    pv1::Vm vm = get(id);
    while (!done(vm) && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(options.poll_interval);
      vm = get(id);
    }
    return vm;
  }

  std::string unique(const std::string& prefix) const {
    std::random_device rd;
    return prefix + "-" + std::to_string(rd() % 1000000);
  }
};

inline Suite& suite() {
  static Suite s;
  return s;
}

template <typename Fn>
void add(const char* name, Fn fn) {
  struct Case : ::testing::Test {
    explicit Case(Fn f) : fn_(std::move(f)) {}
    void TestBody() override { fn_(suite()); }
    Fn fn_;
  };
  ::testing::RegisterTest("ProviderConformance", name, nullptr, nullptr, __FILE__, __LINE__,
                          [fn]() -> ::testing::Test* { return new Case(fn); });
}

}  // namespace detail

// Loads the plugin (throws std::runtime_error if it does not load) and registers the cases.
inline void register_conformance_tests(const ConformanceOptions& options) {
  using detail::Suite;
  Suite& s = detail::suite();
  s.options = options;
  s.plugin = std::make_unique<PluginHarness>(options.plugin_path);
  s.run_tag = s.unique("run");

  detail::add("DescribeIsComplete", [](Suite& t) {
    auto d = t.plugin->invoke<pv1::DescribeResponse>(CORRAL_METHOD_DESCRIBE, pv1::DescribeRequest());
    EXPECT_FALSE(d.name().empty()) << "Describe.name is empty";
    EXPECT_FALSE(d.version().empty()) << "Describe.version is empty";
    EXPECT_GT(d.capabilities().os_types_size(), 0) << "no OS types in capabilities";
    EXPECT_LE(d.abi_minor(), CORRAL_PLUGIN_ABI_MINOR);
    // The schema must be valid (in the supported subset) and accept the valid config.
    std::vector<SchemaError> errors;
    EXPECT_NO_THROW(errors = validate_json(d.config_schema_json(), t.options.config_json))
        << "config_schema_json is not a supported JSON Schema";
    for (const auto& e : errors)
      ADD_FAILURE() << "schema rejects the valid config at '" << e.path << "': " << e.message;
  });

  detail::add("ValidateConfigAcceptsTheValidConfig", [](Suite& t) {
    pv1::ValidateConfigRequest r;
    *r.mutable_config() = t.config();
    auto resp = t.plugin->invoke<pv1::ValidateConfigResponse>(CORRAL_METHOD_VALIDATE_CONFIG, r);
    for (const auto& e : resp.errors()) ADD_FAILURE() << "rejected at '" << e.path() << "': " << e.message();
  });

  detail::add("ValidateConfigRejectsTheInvalidConfigAtItsPath", [](Suite& t) {
    pv1::ValidateConfigRequest r;
    *r.mutable_config() = t.config(false);
    auto resp = t.plugin->invoke<pv1::ValidateConfigResponse>(CORRAL_METHOD_VALIDATE_CONFIG, r);
    ASSERT_GT(resp.errors_size(), 0) << "the invalid config was accepted";
    bool found = false;
    for (const auto& e : resp.errors()) found = found || e.path() == t.options.invalid_config_path;
    EXPECT_TRUE(found) << "no error at '" << t.options.invalid_config_path << "'; first error at '"
                       << resp.errors(0).path() << "': " << resp.errors(0).message();
  });

  detail::add("CreateGetListDeleteLifecycle", [](Suite& t) {
    auto created = t.plugin->invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM,
                                                           t.create_request(t.unique("key"), t.unique("conf")));
    ASSERT_FALSE(created.has_error()) << created.error().message();
    const std::string id = created.vm().id();
    ASSERT_FALSE(id.empty()) << "CreateVm returned no id";
    EXPECT_TRUE(created.vm().state() == pv1::VM_STATE_CREATING || created.vm().state() == pv1::VM_STATE_RUNNING)
        << "state after create: " << pv1::VmState_Name(created.vm().state());

    pv1::Vm vm = t.wait_for(id, [](const pv1::Vm& v) { return v.state() == pv1::VM_STATE_RUNNING; });
    EXPECT_EQ(vm.state(), pv1::VM_STATE_RUNNING) << pv1::VmState_Name(vm.state()) << " " << vm.error().message();
    EXPECT_EQ(vm.id(), id);
    EXPECT_EQ(vm.tags().at("corral-conformance-run"), t.run_tag);

    int matches = 0;
    for (const auto& v : t.list(t.run_tag)) matches += v.id() == id;
    EXPECT_EQ(matches, 1) << "ListVms by the run's tag should return the VM once";
    for (const auto& v : t.list(t.run_tag + "-other")) EXPECT_NE(v.id(), id) << "ListVms ignored the tag value";

    auto del = t.remove(id);
    EXPECT_FALSE(del.has_error()) << del.error().message();
    EXPECT_TRUE(del.state() == pv1::VM_STATE_DELETING || del.state() == pv1::VM_STATE_GONE);
    vm = t.wait_for(id, [](const pv1::Vm& v) { return v.state() == pv1::VM_STATE_GONE; });
    EXPECT_EQ(vm.state(), pv1::VM_STATE_GONE);

    auto again = t.remove(id);
    EXPECT_FALSE(again.has_error()) << "deleting a gone VM must succeed: " << again.error().message();
    EXPECT_EQ(again.state(), pv1::VM_STATE_GONE);
    for (const auto& v : t.list(t.run_tag)) EXPECT_NE(v.id(), id) << "a deleted VM is still listed";
  });

  detail::add("IdempotencyKeyGivesOneVm", [](Suite& t) {
    auto request = t.create_request(t.unique("key"), t.unique("idem"));
    auto first = t.plugin->invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM, request);
    ASSERT_FALSE(first.has_error()) << first.error().message();
    auto second = t.plugin->invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM, request);
    ASSERT_FALSE(second.has_error()) << second.error().message();
    EXPECT_EQ(first.vm().id(), second.vm().id()) << "the same idempotency key made two VMs";
    int count = 0;
    for (const auto& v : t.list(t.run_tag)) count += v.hostname() == request.hostname();
    EXPECT_EQ(count, 1);
    t.remove(first.vm().id());
    if (second.vm().id() != first.vm().id()) t.remove(second.vm().id());
    t.wait_for(first.vm().id(), [](const pv1::Vm& v) { return v.state() == pv1::VM_STATE_GONE; });
  });

  detail::add("CreateWithAnInvalidConfigIsAnInvalidConfigError", [](Suite& t) {
    auto request = t.create_request(t.unique("key"), t.unique("bad"));
    *request.mutable_config() = t.config(false);
    auto resp = t.plugin->invoke<pv1::CreateVmResponse>(CORRAL_METHOD_CREATE_VM, request);
    ASSERT_TRUE(resp.has_error()) << "a VM was created with an invalid config";
    EXPECT_EQ(resp.error().class_(), pv1::ERROR_CLASS_INVALID_CONFIG)
        << pv1::ErrorClass_Name(resp.error().class_()) << ": " << resp.error().message();
    EXPECT_TRUE(resp.vm().id().empty());
  });

  detail::add("UnknownVmIsGone", [](Suite& t) {
    pv1::Vm vm = t.get(t.unique("no-such-vm"));
    EXPECT_EQ(vm.state(), pv1::VM_STATE_GONE);
  });

  detail::add("UnknownMethodIsUnimplemented", [](Suite& t) {
    RawResult r = t.plugin->invoke_raw(9999, "");
    EXPECT_EQ(r.status, CORRAL_ERR_UNIMPLEMENTED) << status_name(r.status);
  });

  detail::add("UndecodableRequestIsInvalidArgument", [](Suite& t) {
    RawResult r = t.plugin->invoke_raw(CORRAL_METHOD_GET_VM, std::string("\xff\xff\xff", 3));
    EXPECT_EQ(r.status, CORRAL_ERR_INVALID_ARGUMENT) << status_name(r.status);
  });

  detail::add("NothingIsLeftBehind", [](Suite& t) {
    for (const auto& v : t.list(t.run_tag)) {
      ADD_FAILURE() << "left behind: " << v.id() << " (" << pv1::VmState_Name(v.state()) << ")";
      t.remove(v.id());
    }
  });
}

}  // namespace corral::sdk::testing
