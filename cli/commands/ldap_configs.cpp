// corralctl ldap-configs list | show | create | update | delete | test: how the manager reaches
// a directory (Active Directory) for computer records and sign-in (docs/active-directory.md).
// The bind password is read from a file or stdin, never from the command line (where `ps` and
// shell history would show it), and every answer shows it as "[redacted]".
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/broker_api.h"
#include "cli/commands/commands.h"
#include "cli/pretty_json.h"
#include "cli/resource_output.h"
#include "cli/table.h"
#include "cli/terminal_text.h"

namespace corral::cli {
namespace {

constexpr char kCollection[] = "ldap-configs";

// Flags of create and update; in an update only those given change.
struct LdapFlags {
  std::string target;  // update: ID|NAME
  std::string name, url, bind_dn, password_file, ca_file, base_dn, container, pattern;
  bool start_tls = false, recursive_delete = false, disabled = false, enabled = false;
  uint32_t connect_timeout_ms = 0, operation_timeout_ms = 0;
};

Result<std::string> read_file_or_stdin(const std::string& path, const std::string& flag) {
  std::ostringstream data;
  if (path == "-") {
    data << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return error(ErrorCode::invalid_argument, flag + ": cannot read " + path);
    data << in.rdbuf();
  }
  return data.str();
}

// The fields the flags set, over BASE (empty for create).
Result<nlohmann::json> body_of(const LdapFlags& f, const CLI::App& command, nlohmann::json base) {
  auto given = [&](const std::string& name) {
    const CLI::Option* option = command.get_option_no_throw(name);  // --enabled exists on update only
    return option != nullptr && option->count() > 0;
  };
  if (!f.name.empty()) base["name"] = f.name;
  if (given("--url")) base["url"] = f.url;
  if (given("--start-tls")) base["startTls"] = f.start_tls;
  if (given("--bind-dn")) base["bindDn"] = f.bind_dn;
  if (given("--bind-password-file")) {
    auto password = read_file_or_stdin(f.password_file, "--bind-password-file");
    if (!password.ok()) return password.status();
    std::string p = *password;
    while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();  // a file's final newline
    base["bindPassword"] = p;
  }
  if (given("--ca-file")) {
    auto ca = read_file_or_stdin(f.ca_file, "--ca-file");
    if (!ca.ok()) return ca.status();
    base["caCertificate"] = *ca;
  }
  if (given("--base-dn")) base["baseDn"] = f.base_dn;
  if (given("--computer-container")) base["computerContainerDn"] = f.container;
  if (given("--hostname-pattern")) base["hostnamePattern"] = f.pattern;
  if (given("--recursive-delete")) base["recursiveDelete"] = f.recursive_delete;
  if (given("--disabled")) base["enabled"] = false;
  if (given("--enabled")) base["enabled"] = true;
  if (given("--connect-timeout-ms")) base["connectTimeoutMs"] = f.connect_timeout_ms;
  if (given("--operation-timeout-ms")) base["operationTimeoutMs"] = f.operation_timeout_ms;
  return base;
}

Row row_of(const nlohmann::json& c) {
  return {str(c, "name"),
          str(c, "url"),
          str(c, "baseDn"),
          flag(c, "enabled") ? "yes" : "no",
          std::to_string(num(c, "revision")),
          str(c, "id")};
}

Status list(Session& s) {
  auto reply = call_json(*s.api, "GET", "/api/v1/ldap-configs");
  if (!reply.ok()) return reply.status();
  if (s.output.json) {
    s.output.out << pretty_json(reply->text);
    return {};
  }
  std::vector<Row> rows;
  for (const auto& c : items_of(reply->value, "ldapConfigs")) {
    if (c.is_object()) rows.push_back(row_of(c));
  }
  if (rows.empty()) {
    s.output.out << "no LDAP configs\n";
  } else {
    s.output.out << format_table({"NAME", "URL", "BASE DN", "SIGN-IN", "REVISION", "ID"}, rows);
  }
  return {};
}

Status show(Session& s, const std::string& id_or_name) {
  auto reply = call_json(*s.api, "GET", resource_path(kCollection, id_or_name));
  if (!reply.ok()) return reply.status();
  s.output.out << pretty_json(reply->text);  // a config is JSON by nature; both modes print it
  return {};
}

Status create(Session& s, const LdapFlags& f, const CLI::App& command) {
  auto body = body_of(f, command, nlohmann::json::object());
  if (!body.ok()) return body.status();
  auto reply = call_json(*s.api, "POST", "/api/v1/ldap-configs", &*body);
  if (!reply.ok()) return reply.status();
  print_done(
      s.output, *reply,
      "LDAP config " + visible(str(reply->value, "name")) + " created (id " + visible(str(reply->value, "id")) + ")");
  return {};
}

// Reads the config, changes what the flags name, and writes it back based on the revision read.
Status update(Session& s, const LdapFlags& f, const CLI::App& command) {
  auto current = find_resource(*s.api, kCollection, f.target, "ID|NAME");
  if (!current.ok()) return current.status();
  nlohmann::json base = *current;
  const std::string id = str(base, "id");
  for (const char* output_only : {"id", "createdAt", "updatedAt"}) base.erase(output_only);
  auto body = body_of(f, command, base);
  if (!body.ok()) return body.status();
  auto reply = call_json(*s.api, "PUT", resource_path(kCollection, id), &*body);
  if (!reply.ok()) return reply.status();
  print_done(s.output, *reply,
             "LDAP config " + visible(str(reply->value, "name")) + " updated (revision " +
                 std::to_string(num(reply->value, "revision")) + ")");
  return {};
}

Status remove(Session& s, const std::string& id_or_name) {
  auto id = resolve_id(*s.api, kCollection, id_or_name, "ID|NAME");
  if (!id.ok()) return id.status();
  auto reply = call_json(*s.api, "DELETE", resource_path(kCollection, *id));
  if (!reply.ok()) return reply.status();
  print_done(s.output, *reply, "LDAP config " + visible(str(reply->value, "name")) + " (" + visible(*id) + ") deleted");
  return {};
}

// Exit status 1 when the directory could not be reached or refused: scripts can test it.
Status test(Session& s, const std::string& id_or_name) {
  auto reply = call_json(*s.api, "POST", resource_path(kCollection, id_or_name) + "/test");
  if (!reply.ok()) return reply.status();
  const bool ok = flag(reply->value, "ok");
  if (s.output.json) {
    s.output.out << pretty_json(reply->text);
  } else if (ok) {
    s.output.out << "ok: bound and searched the base DN\n";
  }
  if (ok) return {};
  return error(ErrorCode::unavailable, "LDAP config test failed at step " + visible(str(reply->value, "step")) + ": " +
                                           visible(str(reply->value, "message")));
}

void add_field_flags(CommandTree& tree, CLI::App* c, LdapFlags& f) {
  c->add_option("--url", f.url, "ldaps://HOST[:PORT], or ldap://HOST[:PORT] with --start-tls");
  c->add_flag("--start-tls", f.start_tls, "StartTLS on an ldap:// URL (plain LDAP is refused)");
  c->add_option("--bind-dn", f.bind_dn, "the service account: a DN or user@domain");
  tree.names_file(c->add_option("--bind-password-file", f.password_file,
                                "a file holding the service account's password; - reads stdin"))
      ->type_name("FILE|-");
  tree.names_file(c->add_option("--ca-file", f.ca_file, "PEM of the CA that signs the directory's certificate"))
      ->type_name("FILE|-");
  c->add_option("--base-dn", f.base_dn, "e.g. DC=example,DC=local (its DC= parts name the domain)");
  c->add_option("--computer-container", f.container, "where computer records go, e.g. OU=Corral,DC=example,DC=local");
  c->add_option("--hostname-pattern", f.pattern, "names of autoscaled servers (default corral-{random})");
  c->add_flag("--recursive-delete", f.recursive_delete, "delete a computer record's child objects with it");
  c->add_flag("--disabled", f.disabled, "not for user sign-in (computer records only)");
  c->add_option("--connect-timeout-ms", f.connect_timeout_ms, "default 5000");
  c->add_option("--operation-timeout-ms", f.operation_timeout_ms, "default 10000");
}

}  // namespace

void add_ldap_config_commands(CommandTree& tree) {
  CLI::App* group = tree.add_group(tree.root(), "ldap-configs",
                                   "directories (Active Directory) for computer records and sign-in "
                                   "(the bind password shows as \"[redacted]\")");
  tree.add_command(*group, "list", "list the LDAP configs", {Connects::always, [](Session& s) { return list(s); }});

  auto shown = std::make_shared<std::string>();
  tree.add_command(*group, "show", "show one LDAP config as JSON",
                   {Connects::always, [shown](Session& s) { return show(s, *shown); }})
      ->add_option("ID|NAME", *shown, "the config's id or name")
      ->required();

  auto created = std::make_shared<LdapFlags>();
  // A command reads which flags were given from its own CLI::App, known once it is added.
  auto make_self = std::make_shared<CLI::App*>(nullptr);
  CLI::App* make = tree.add_command(
      *group, "create", "create an LDAP config",
      {Connects::always, [created, make_self](Session& s) { return create(s, *created, **make_self); }});
  *make_self = make;
  make->add_option("NAME", created->name, "the config's name, unique among LDAP configs")->required();
  add_field_flags(tree, make, *created);

  auto updated = std::make_shared<LdapFlags>();
  auto update_self = std::make_shared<CLI::App*>(nullptr);
  CLI::App* upd = tree.add_command(
      *group, "update", "change the fields given of an LDAP config",
      {Connects::always, [updated, update_self](Session& s) { return update(s, *updated, **update_self); }});
  *update_self = upd;
  upd->add_option("ID|NAME", updated->target, "the config's id or name")->required();
  upd->add_option("--name", updated->name, "a new name");
  add_field_flags(tree, upd, *updated);
  upd->add_flag("--enabled", updated->enabled, "usable for user sign-in again");

  auto deleted = std::make_shared<std::string>();
  tree.add_command(*group, "delete", "delete an LDAP config",
                   {Connects::always, [deleted](Session& s) { return remove(s, *deleted); }})
      ->add_option("ID|NAME", *deleted, "the config's id or name")
      ->required();

  auto tested = std::make_shared<std::string>();
  tree.add_command(*group, "test", "bind and search the base DN; say which step fails",
                   {Connects::always, [tested](Session& s) { return test(s, *tested); }})
      ->add_option("ID|NAME", *tested, "the config's id or name")
      ->required();
}

}  // namespace corral::cli
