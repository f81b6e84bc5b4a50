#include "agent/data_dir.h"

#include <google/protobuf/util/json_util.h>

#include "common/files.h"

namespace corral::agent {

using corral::agent::state::v1::EnrollmentState;

bool is_enrolled(const DataDir& dir) { return file_exists(dir.certificate_path()); }

Status prepare_data_dir(const DataDir& dir) { return ensure_directory(dir.root, 0700); }

Status save_private_key(const DataDir& dir, const std::string& private_key_pem) {
  return write_file_atomic(dir.key_path(), private_key_pem, 0600);
}

std::string encode_state(const EnrollmentState& state) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string out;
  // Printing a message we built cannot fail: it has no Any fields to resolve.
  (void)google::protobuf::util::MessageToJsonString(state, &out, options);
  return out;
}

Result<EnrollmentState> decode_state(const std::string& json) {
  EnrollmentState state;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto s = google::protobuf::util::JsonStringToMessage(json, &state, options);
  if (!s.ok()) return error(ErrorCode::invalid_argument, "not a valid enrollment state: " + std::string(s.message()));
  if (state.agent_id().empty()) return error(ErrorCode::invalid_argument, "enrollment state has no agent_id");
  if (state.agent_endpoint().empty()) {
    return error(ErrorCode::invalid_argument, "enrollment state has no agent_endpoint");
  }
  return state;
}

Status save_enrollment(const DataDir& dir, const EnrollmentState& state, const std::string& certificate_pem,
                       const std::string& ca_pem) {
  if (Status s = write_file_atomic(dir.ca_path(), ca_pem, 0644); !s.ok()) return s;
  if (Status s = write_file_atomic(dir.state_path(), encode_state(state), 0644); !s.ok()) return s;
  return write_file_atomic(dir.certificate_path(), certificate_pem, 0644);
}

Result<Credentials> load_credentials(const DataDir& dir) {
  Credentials out;
  auto state_json = read_file(dir.state_path());
  if (!state_json.ok()) return state_json.status();
  auto state = decode_state(*state_json);
  if (!state.ok()) return error(state.status().code(), dir.state_path() + ": " + state.status().message());
  out.state = std::move(state).value();
  // A key other local users could read lets them act as this agent; refuse rather than use it.
  if (Status s = check_private(dir.key_path(), "agent private key"); !s.ok()) return s;
  struct Item {
    std::string path;
    std::string* into;
  };
  for (const Item& item : {Item{dir.certificate_path(), &out.certificate_pem},
                           Item{dir.key_path(), &out.private_key_pem}, Item{dir.ca_path(), &out.ca_pem}}) {
    auto text = read_file(item.path);
    if (!text.ok()) return text.status();
    if (text->empty()) return error(ErrorCode::failed_precondition, item.path + " is empty");
    *item.into = std::move(text).value();
  }
  return out;
}

}  // namespace corral::agent
