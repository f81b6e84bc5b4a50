// corralctl login USER | logout: a directory user signs in and corralctl keeps the user token in
// the user's config directory (user.token, mode 0600), where every later command finds it when no
// admin token is set; logout forgets it, here and on the manager.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <unistd.h>

#include "cli/broker_flags.h"
#include "cli/commands/commands.h"
#include "cli/password_prompt.h"
#include "cli/pretty_json.h"
#include "cli/terminal_text.h"
#include "common/files.h"
#include "common/text.h"

namespace corral::cli {
namespace {

struct LoginFlags {
  std::string username;
  bool password_stdin = false;
};

Result<std::string> token_path(const Output& o) {
  std::string path = o.getenv ? user_token_path(o.getenv) : "";
  if (path.empty()) {
    return error(ErrorCode::failed_precondition, "neither XDG_CONFIG_HOME nor HOME is set: nowhere to keep the token");
  }
  return path;
}

Status login(Session& s, const LoginFlags& flags) {
  auto path = token_path(s.output);
  if (!path.ok()) return path.status();
  // Read before anything is sent: no password, no request.
  auto password =
      flags.password_stdin ? read_password(s.output.in) : prompt_password("Password for " + flags.username + ": ");
  if (!password.ok()) return password.status();
  api::v1::LoginRequest request;
  request.set_username(flags.username);
  request.set_password(std::move(*password));
  auto reply = s.api->login(request);
  if (!reply.ok()) return reply.status();
  const std::string dir = path->substr(0, path->rfind('/'));
  if (Status st = ensure_directory(dir, 0700); !st.ok()) return st;
  if (Status st = write_file_atomic(*path, reply->message.token() + "\n", 0600); !st.ok()) return st;
  const Output& o = s.output;
  if (o.json) {
    api::v1::LoginResponse shown = reply->message;
    shown.clear_token();  // kept in the file, not printed
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(shown, &json);
    o.out << pretty_json(json);
    return {};
  }
  o.out << "signed in as " << visible(reply->message.username()) << " until "
        << google::protobuf::util::TimeUtil::ToString(reply->message.expires_at()) << " (token kept in "
        << visible(*path) << ")\n";
  return {};
}

Status logout(Session& s) {
  auto path = token_path(s.output);
  if (!path.ok()) return path.status();
  if (!file_exists(*path)) {
    s.output.out << "not signed in\n";
    return {};
  }
  auto token = read_file(*path);
  if (!token.ok()) return token.status();
  // The file goes whatever the manager says: signing out must work when it cannot be reached.
  if (s.api != nullptr) {
    if (Status st = s.api->logout(std::string(trim_whitespace(*token))); !st.ok()) {
      s.output.err << "corralctl: the manager did not take the sign-out (" << visible(st.message())
                   << "); the token expires by itself\n";
    }
  }
  if (::unlink(path->c_str()) != 0) return error(ErrorCode::internal, "cannot remove " + *path);
  s.output.out << "signed out\n";
  return {};
}

}  // namespace

void add_login_commands(CommandTree& tree) {
  auto flags = std::make_shared<LoginFlags>();
  CLI::App* in = tree.add_command(tree.root(), "login",
                                  "sign in with a directory account and keep the user token for later commands",
                                  {Connects::server, [flags](Session& s) { return login(s, *flags); }});
  in->add_option("USER", flags->username, "the directory user name (sAMAccountName)")->required();
  in->add_flag("--password-stdin", flags->password_stdin,
               "read the password from standard input (one final line break is dropped) instead of asking");
  tree.add_command(tree.root(), "logout", "forget the user token corralctl login kept (also on the manager)",
                   {Connects::if_configured, [](Session& s) { return logout(s); }});
}

}  // namespace corral::cli
