// Loads YAML configuration onto protobuf messages (corral.config.v1.*) by walking the message
// descriptor, so the .proto stays the one place that defines what a config file may contain.
// Called by the manager and the agent at startup and by corralctl when it validates a file.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace google::protobuf {
class Message;
}

namespace corral::config {

// Maps a YAML document onto MESSAGE. Keys are the proto field names (snake_case) or their
// lowerCamelCase json_name. Supported: scalars (string; bool as true/false; every int/uint width,
// range-checked; float/double), bytes (base64), enums (value name such as OS_FAMILY_LINUX, or the
// name without the enum's prefix in any case, such as "linux"), repeated fields (sequence),
// map fields (mapping) and nested messages (mapping).
//
// The document is merged into MESSAGE the way a later file overrides defaults: nested messages
// merge field by field, while a repeated or map field given in the document replaces the old
// contents, and a null value (`key:` or `key: ~`) clears the field. An empty document leaves
// MESSAGE unchanged, and so does any error.
//
// Errors are invalid_argument and name the dotted path (list items as [i], map entries as [key])
// with the 1-based YAML line and column, for example
//   unknown key 'agent_listn' at line 3, column 1 (in corral.config.v1.ManagerConfig)
//   'heartbeat_interval_seconds' at line 4, column 29: expected an unsigned integer, got 'ten'
//   'labels' at line 7, column 3: expected a mapping
// Duplicate keys (including a field given by both of its names), two members of one oneof, a
// second document and malformed YAML are errors too.
Status load_yaml(std::string_view yaml_text, google::protobuf::Message* message);

// Reads PATH and loads it as above; every error message starts with "PATH: ".
Status load_yaml_file(const std::string& path, google::protobuf::Message* message);

}  // namespace corral::config
