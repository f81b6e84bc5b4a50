// Autoscaled servers' AD computer records end to end: a real manager with the local provider,
// whose VMs are real agents, against the Samba AD DC. A scale-out makes each VM's record before the
// VM and hands its one-time password to the startup script (which writes what it got into the VM's
// directory); scale-in deletes the record; a directory that refuses, is not trusted or cannot be
// reached makes no VM; the sweep removes this manager's orphan records and leaves everyone else's
// alone.
#include <ldap.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "manager/directory/computer_records.h"
#include "manager/directory/ldap_connection.h"
#include "tests/integration/autoscale_fixture.h"
#include "tests/integration/directory/samba_ad.h"

namespace corral::testing {
namespace {

namespace directory = manager::directory;

constexpr char kContainer[] = "CN=Computers,DC=example,DC=local";

class AutoscaleAdTest : public AutoscaleTest {
 protected:
  // A local provider config whose script records the AD variables it was given, then runs the
  // agent: what a Windows template hands to Add-Computer.
  std::string make_ad_provider(const ManagerUnderTest& m, const std::string& name) {
    providers_.push_back(name);
    const std::string script =
        "#!/bin/bash\n"
        "printf '%s' '{ad_join_credential}' > \"$PWD/ad_join_credential\"\n"
        "printf '%s' '{domain}' > \"$PWD/domain\"\n"
        "export CORRAL_JOIN_TOKEN='{join_token}'\n"
        "exec '" +
        agent_binary() + "' --data-dir \"$PWD/agent\" --hostname '{server_hostname}' --manager '{manager_url}'\n";
    json body = {{"name", name},
                 {"plugin", "local"},
                 {"config", {{"state_dir", state_dir(name)}, {"max_vms", 5}, {"stop_grace_ms", 2000}}},
                 {"startupScriptTemplate", script},
                 {"maxInstances", 10}};
    return call_json(m, "POST", "/api/v1/provider-configs", body.dump(), 201).value("id", "");
  }

  std::string make_ldap_config(const ManagerUnderTest& m, const std::string& name, const std::string& url,
                               const std::string& password, const std::string& ca_pem = samba_ad().ca_pem) {
    json body = {{"name", name},
                 {"url", url},
                 {"bindDn", "Administrator@example.local"},
                 {"bindPassword", password},
                 {"caCertificate", ca_pem},
                 {"baseDn", "DC=example,DC=local"},
                 {"connectTimeoutMs", 2000},
                 {"computerContainerDn", kContainer}};
    return call_json(m, "POST", "/api/v1/ldap-configs", body.dump(), 201).value("id", "");
  }

  std::string make_pool_named(const ManagerUnderTest& m, const std::string& name) {
    return call_json(m, "POST", "/api/v1/pools", json{{"name", name}, {"type", "POOL_TYPE_SERVER"}}.dump(), 201)
        .value("id", "");
  }

  static json ad_config(const std::string& name, const std::string& pool, const std::string& provider,
                        const std::string& ldap, int minimum) {
    return {{"name", name},
            {"poolId", pool},
            {"providerConfigId", provider},
            {"minimumAvailableSessions", minimum},
            {"maxSimultaneousSessionsPerServer", 1},
            {"maxInstances", 2},
            {"downscaleBackoffSeconds", 0},
            {"adCreateMachineRecord", true},
            {"ldapConfigId", ldap},
            {"adComputerContainerDn", kContainer}};
  }

  // What the VM of the provider config PROVIDER wrote into its directory as FILE.
  std::string vm_file(const std::string& provider, const std::string& file) const {
    for (const auto& vm : fs::directory_iterator(fs::path(state_dir(provider)) / "vms")) {
      std::ifstream in(vm.path() / file);
      if (!in) continue;
      std::ostringstream s;
      s << in.rdbuf();
      return s.str();
    }
    return "";
  }

  static std::optional<directory::LdapEntry> record(const std::string& hostname) {
    auto admin = directory::LdapConnection::open(samba_admin_config());
    EXPECT_TRUE(admin.ok()) << admin.status().message();
    if (!admin.ok()) return std::nullopt;
    auto entry = admin->read("CN=" + hostname + "," + kContainer,
                             {"sAMAccountName", "dNSHostName", "userAccountControl", "description", "objectClass"});
    EXPECT_TRUE(entry.ok()) << entry.status().message();
    return entry.ok() ? entry.value() : std::nullopt;
  }

  std::string manager_id(const ManagerUnderTest& m) const {
    std::string id;
    EXPECT_TRUE(eventually([&] { return fs::exists(m.data_dir() + "/manager.id"); }, 10s));
    std::ifstream in(m.data_dir() + "/manager.id");
    in >> id;
    return id;
  }

  // The note of the server's create intent, read from the manager's database file (WAL: readable
  // while the manager runs).
  static json create_note(const ManagerUnderTest& m, const std::string& server_id) {
    sqlite3* db = nullptr;
    sqlite3_open_v2((m.data_dir() + "/corral.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT payload FROM intents WHERE server_id = ?1 AND kind = 'create_vm'", -1, &st, nullptr);
    sqlite3_bind_text(st, 1, server_id.c_str(), -1, SQLITE_TRANSIENT);
    std::string payload;
    if (sqlite3_step(st) == SQLITE_ROW) {
      payload.assign(static_cast<const char*>(sqlite3_column_blob(st, 0)), sqlite3_column_bytes(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    json note = json::parse(payload, nullptr, false);
    return note.is_object() ? note.value("adRecord", json::object()) : json::object();
  }

  static std::string messages(const std::vector<json>& events) {
    std::string out;
    for (const json& e : events) out += e.value("message", "") + "\n";
    return out;
  }
};

TEST_F(AutoscaleAdTest, ScaleOutMakesEachVmsRecordWithItsJoinPasswordAndScaleInDeletesIt) {
  auto m = start_autoscaling_manager();
  ASSERT_TRUE(m);
  const std::string provider = make_ad_provider(*m, "ad");
  const std::string ldap = make_ldap_config(*m, "samba", "ldaps://127.0.0.1", samba_ad().admin_password);
  const std::string pool = make_pool_named(*m, "windows");
  json body = ad_config("ad", pool, provider, ldap, 1);
  const std::string config = make_config(*m, body);

  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 1; }, 120s)) << m->process().log();
  const std::string hostname = servers(*m, pool).front().value("hostname", "");
  ASSERT_FALSE(hostname.empty());

  // The record: a workstation named after the server, carrying this manager's mark.
  auto entry = record(hostname);
  ASSERT_TRUE(entry.has_value()) << "no record for " << hostname;
  EXPECT_EQ(entry->at("samaccountname"), std::vector<std::string>{directory::computer_account_name(hostname)});
  EXPECT_EQ(entry->at("dnshostname"), std::vector<std::string>{hostname + ".example.local"});
  EXPECT_EQ(entry->at("useraccountcontrol"), std::vector<std::string>{"4096"});
  EXPECT_EQ(entry->at("description"), std::vector<std::string>{"Created by Corral (owner " + manager_id(*m) + ")"});
  const auto& classes = entry->at("objectclass");
  EXPECT_NE(std::find(classes.begin(), classes.end(), "computer"), classes.end());

  // The script got the one-time password and the domain: the computer binds with it, and only it.
  const std::string password = vm_file("ad", "ad_join_credential");
  ASSERT_FALSE(password.empty());
  EXPECT_EQ(vm_file("ad", "domain"), "example.local");
  directory::DirectoryConfig as_computer = samba_admin_config();
  as_computer.bind_dn = directory::computer_account_name(hostname) + "@example.local";
  as_computer.bind_password = password;
  EXPECT_TRUE(directory::LdapConnection::open(as_computer).ok());
  as_computer.bind_password = password + "x";
  EXPECT_EQ(directory::LdapConnection::open(as_computer).status().ldap_code(), LDAP_INVALID_CREDENTIALS);

  ASSERT_EQ(events(*m, "ad.record_created").size(), 1u);
  EXPECT_NE(events(*m, "ad.record_created").front().value("message", "").find(hostname), std::string::npos);
  // The server checked in: the note keeps the record's DN and no longer the password.
  const std::string server_id = servers(*m, pool).front().value("id", "");
  ASSERT_TRUE(eventually([&] { return !create_note(*m, server_id).contains("passwordSealed"); }, 60s))
      << create_note(*m, server_id).dump();
  EXPECT_EQ(create_note(*m, server_id).value("dn", ""), "CN=" + hostname + "," + kContainer);

  // Scale-in: the VM goes, and its record with it.
  body["minimumAvailableSessions"] = 0;
  call_json(*m, "PUT", "/api/v1/autoscale-configs/" + config, body.dump(), 200);
  ASSERT_TRUE(eventually([&] { return !events(*m, "ad.record_deleted").empty(); }, 120s)) << m->process().log();
  EXPECT_TRUE(servers(*m, pool).empty());
  EXPECT_FALSE(record(hostname).has_value());

  // The password reached the script and nowhere an operator reads.
  const std::string all_events = call_json(*m, "GET", "/api/v1/events?pageSize=1000", "", 200).dump();
  EXPECT_EQ(all_events.find(password), std::string::npos);
  EXPECT_EQ(m->process().log().find(password), std::string::npos);
}

TEST_F(AutoscaleAdTest, ACreateInterruptedBetweenItsRecordAndItsVmLosesTheRecordAtRestart) {
  // Stopped dead after the record is made and noted, before CreateVm.
  auto m = start_autoscaling_manager("", {{"CORRAL_FAILPOINTS", "autoscaler.create.before_call"}});
  ASSERT_TRUE(m);
  const std::string provider = make_ad_provider(*m, "ad");
  const std::string ldap = make_ldap_config(*m, "samba", "ldaps://127.0.0.1", samba_ad().admin_password);
  const std::string pool = make_pool_named(*m, "windows");
  make_config(*m, ad_config("ad", pool, provider, ldap, 1));
  ASSERT_TRUE(m->process().wait_for_log("event=failpoint.hit name=autoscaler.create.before_call", 60s))
      << m->process().log();
  // Noted before the VM was asked for: the DN, and the password sealed.
  std::string noted_server;
  {
    sqlite3* db = nullptr;
    sqlite3_open_v2((m->data_dir() + "/corral.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT server_id FROM intents WHERE kind = 'create_vm'", -1, &st, nullptr);
    if (sqlite3_step(st) == SQLITE_ROW) noted_server = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  ASSERT_FALSE(noted_server.empty()) << "no create_vm intent was written";
  const json noted = create_note(*m, noted_server);
  EXPECT_FALSE(noted.value("dn", "").empty()) << noted.dump();
  EXPECT_TRUE(noted.value("passwordSealed", "").starts_with("v1:")) << noted.dump();
  m->process().kill_now();
  m->set_env({});
  ASSERT_TRUE(m->start()) << m->process().log();

  // The record made before the crash, for the server the intent named. The restarted manager may
  // already have scaled out again and made the next server's record: that one is not looked at here.
  std::vector<std::string> made;
  for (const json& e : events(*m, "ad.record_created")) {
    if (e.value("serverId", "") == noted_server) made.push_back(e.value("message", ""));
  }
  ASSERT_EQ(made.size(), 1u) << "ad.record_created events for server " << noted_server;
  const std::string& message = made.front();
  const std::string first_server = noted_server;
  const std::string first_host = message.substr(message.rfind(' ') + 1);
  // The restart finds no VM for it: the server row goes, and the record with it.
  ASSERT_TRUE(eventually(
      [&] {
        for (const json& e : events(*m, "ad.record_deleted")) {
          if (e.value("serverId", "") == first_server) return true;
        }
        return false;
      },
      60s))
      << m->process().log();
  EXPECT_FALSE(record(first_host).has_value());
  EXPECT_FALSE(events(*m, "vm.create_abandoned").empty());
  EXPECT_TRUE(eventually([&] { return !create_note(*m, first_server).contains("passwordSealed"); }, 60s));
  // The pool is refilled by a new server with a record of its own.
  ASSERT_TRUE(eventually([&] { return ready_servers(*m, pool) == 1; }, 120s)) << m->process().log();
  const std::string hostname = servers(*m, pool).front().value("hostname", "");
  EXPECT_NE(hostname, first_host);
  EXPECT_TRUE(record(hostname).has_value());
}

TEST_F(AutoscaleAdTest, ADirectoryThatRefusesIsUntrustedOrCannotBeReachedMakesNoVmAndBacksOff) {
  auto m = start_autoscaling_manager();
  ASSERT_TRUE(m);
  const std::string provider = make_ad_provider(*m, "ad");
  const std::string wrong = make_ldap_config(*m, "wrong-password", "ldaps://127.0.0.1", "not-the-password");
  const std::string unreachable = make_ldap_config(*m, "unreachable", "ldaps://127.0.0.1:1", "whatever");
  const std::string untrusted =
      make_ldap_config(*m, "untrusted", "ldaps://127.0.0.1", samba_ad().admin_password, samba_ad().other_ca_pem);
  make_config(*m, ad_config("refused", make_pool_named(*m, "refused"), provider, wrong, 1));
  make_config(*m, ad_config("away", make_pool_named(*m, "away"), provider, unreachable, 1));
  make_config(*m, ad_config("stranger", make_pool_named(*m, "stranger"), provider, untrusted, 1));

  auto failed_at = [&](const std::string& step) {
    for (const json& e : events(*m, "ad.record_failed")) {
      if (e.value("message", "").find("(step " + step + ")") != std::string::npos) return true;
    }
    return false;
  };
  ASSERT_TRUE(eventually([&] { return failed_at("bind") && failed_at("tcp") && failed_at("tls"); }, 120s))
      << messages(events(*m, "ad.record_failed")) << m->process().log();
  // Each config backs off, with why.
  ASSERT_TRUE(eventually(
      [&] {
        const std::string backoffs = messages(events(*m, "autoscale.backoff_entered"));
        return backoffs.find("AD computer record: bind") != std::string::npos &&
               backoffs.find("AD computer record: tcp") != std::string::npos &&
               backoffs.find("AD computer record: tls") != std::string::npos;
      },
      60s))
      << messages(events(*m, "autoscale.backoff_entered"));
  // No VM was asked for, and the servers written for the attempts are gone again.
  EXPECT_EQ(vm_dirs("ad"), 0);
  EXPECT_TRUE(events(*m, "vm.created").empty());
  EXPECT_TRUE(eventually(
      [&] {
        const json all = call_json(*m, "GET", "/api/v1/servers?pageSize=1000", "", 200);
        return all.value("servers", json::array()).empty();
      },
      60s));
  EXPECT_EQ(messages(events(*m, "ad.record_failed")).find("not-the-password"), std::string::npos);
}

TEST_F(AutoscaleAdTest, TheSweepRemovesThisManagersOrphanRecordsAndLeavesOthersAlone) {
  auto m = start_autoscaling_manager("  orphan_sweep_seconds: 1\n  orphan_grace_seconds: 1\n");
  ASSERT_TRUE(m);
  const std::string provider = make_ad_provider(*m, "ad");
  const std::string ldap = make_ldap_config(*m, "samba", "ldaps://127.0.0.1", samba_ad().admin_password);
  // A config that wants no VM: the sweep still looks at its container.
  make_config(*m, ad_config("idle", make_pool_named(*m, "idle"), provider, ldap, 0));

  auto records_of = [&](const std::string& owner) {
    directory::ComputerPolicy policy;
    policy.container_dn = kContainer;
    policy.owner = owner;
    return directory::ComputerRecords::make(samba_admin_config(), policy).value();
  };
  auto ours = records_of(manager_id(*m));
  auto theirs = records_of("someone-else");
  auto orphan = ours.create();
  auto stranger = theirs.create();
  ASSERT_TRUE(orphan.ok() && stranger.ok());

  ASSERT_TRUE(eventually([&] { return !events(*m, "ad.orphan_record_removed").empty(); }, 60s)) << m->process().log();
  EXPECT_NE(events(*m, "ad.orphan_record_removed").front().value("message", "").find(orphan->hostname),
            std::string::npos);
  EXPECT_EQ(events(*m, "ad.orphan_record_found").size(), 1u);
  EXPECT_FALSE(record(orphan->hostname).has_value());
  EXPECT_TRUE(record(stranger->hostname).has_value());
  EXPECT_TRUE(theirs.remove(stranger->hostname).ok());
}

}  // namespace
}  // namespace corral::testing
