#include "common/config/yaml_loader.h"

#include <fcntl.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <vector>

#include "common/config/scalar_parse.h"
#include "common/config/yaml_document.h"
#include "common/encoding.h"

namespace corral::config {
namespace {

namespace pb = google::protobuf;
using FieldDescriptor = pb::FieldDescriptor;

// Proto messages in config files nest a few levels; the bound only matters for recursive types
// (google.protobuf.Struct and the like), where the document would otherwise set the stack depth.
constexpr int kMaxDepth = 64;
// A config file is small; one bigger than this is a mistake, not a config.
constexpr size_t kMaxFileBytes = 4 * 1024 * 1024;

std::string quote_for_message(const std::string& text) {
  constexpr size_t kMax = 60;
  if (text.size() <= kMax) return "'" + text + "'";
  return "'" + text.substr(0, kMax) + "...'";
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Scalar: return quote_for_message(node.Scalar());
    default: return "null";
  }
}

std::string join_path(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "." + name;
}

// yaml-cpp marks an empty value (`key:`) at the next token, which misleads; callers pass the
// key's mark to use instead.
YAML::Mark mark_of(const YAML::Node& node, const YAML::Mark& fallback) {
  return node.IsNull() ? fallback : node.Mark();
}

Status at_path(const std::string& path, const YAML::Mark& mark, const std::string& problem) {
  std::string subject = path.empty() ? "document" : "'" + path + "'";
  return error(ErrorCode::invalid_argument, subject + " " + describe_position(mark) + ": " + problem);
}

std::string expected_kind(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64: return "an integer";
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64: return "an unsigned integer";
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE: return "a number";
    case FieldDescriptor::CPPTYPE_BOOL: return "true or false";
    case FieldDescriptor::CPPTYPE_ENUM: return "a " + field->enum_type()->name() + " value";
    case FieldDescriptor::CPPTYPE_STRING:
      return field->type() == FieldDescriptor::TYPE_BYTES ? "base64 bytes" : "a string";
    case FieldDescriptor::CPPTYPE_MESSAGE: return "a mapping";
  }
  return "a value";
}

// "OsFamily" -> "OS_FAMILY_", the prefix protobuf style puts on every value of the enum.
std::string enum_value_prefix(const std::string& enum_name) {
  std::string out;
  for (size_t i = 0; i < enum_name.size(); ++i) {
    char c = enum_name[i];
    bool upper = c >= 'A' && c <= 'Z';
    if (upper && i > 0) {
      char prev = enum_name[i - 1];
      if ((prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9')) out += '_';
    }
    out += upper ? c : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return out + "_";
}

std::string short_enum_name(const pb::EnumValueDescriptor* value, const std::string& prefix) {
  const std::string& name = value->name();
  if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0) return name.substr(prefix.size());
  return name;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

const pb::EnumValueDescriptor* find_enum_value(const pb::EnumDescriptor* type, const std::string& text) {
  if (const auto* value = type->FindValueByName(text)) return value;
  std::string prefix = enum_value_prefix(type->name());
  for (int i = 0; i < type->value_count(); ++i) {
    if (equals_ignore_case(short_enum_name(type->value(i), prefix), text)) return type->value(i);
  }
  return nullptr;
}

std::string enum_choices(const pb::EnumDescriptor* type) {
  std::string prefix = enum_value_prefix(type->name());
  std::string out;
  for (int i = 0; i < type->value_count(); ++i) {
    std::string name = short_enum_name(type->value(i), prefix);
    for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    out += (i ? ", " : "") + name;
  }
  return out;
}

const FieldDescriptor* find_field(const pb::Descriptor* type, const std::string& key) {
  if (const auto* field = type->FindFieldByName(key)) return field;
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->json_name() == key) return type->field(i);
  }
  return nullptr;
}

// The map key as the message will store it, so "01" and "1" collide in a map<int32, ...>.
std::string stored_map_key(const pb::Message& entry, const FieldDescriptor* key_field) {
  const pb::Reflection* r = entry.GetReflection();
  switch (key_field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: return std::to_string(r->GetInt32(entry, key_field));
    case FieldDescriptor::CPPTYPE_INT64: return std::to_string(r->GetInt64(entry, key_field));
    case FieldDescriptor::CPPTYPE_UINT32: return std::to_string(r->GetUInt32(entry, key_field));
    case FieldDescriptor::CPPTYPE_UINT64: return std::to_string(r->GetUInt64(entry, key_field));
    case FieldDescriptor::CPPTYPE_BOOL: return r->GetBool(entry, key_field) ? "true" : "false";
    default: return r->GetString(entry, key_field);
  }
}

class Loader {
 public:
  Status load_message(const YAML::Node& node, const YAML::Mark& fallback, pb::Message* message, const std::string& path,
                      int depth) {
    if (depth > kMaxDepth) {
      return at_path(path, mark_of(node, fallback), "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    if (!node.IsMap()) return at_path(path, mark_of(node, fallback), "expected a mapping");
    const pb::Descriptor* type = message->GetDescriptor();
    const pb::Reflection* reflection = message->GetReflection();
    struct Seen {
      std::string key;
      YAML::Mark mark;
    };
    std::map<const FieldDescriptor*, Seen> seen;
    std::map<const pb::OneofDescriptor*, Seen> oneofs_set;
    for (const auto& pair : node) {
      // Copies: the iterator hands out temporaries, and a Node is only a handle.
      const YAML::Node key_node = pair.first;
      const YAML::Node value = pair.second;
      const YAML::Mark key_mark = key_node.Mark();
      if (!key_node.IsScalar()) {
        std::string where = path.empty() ? "" : " in '" + path + "'";
        return error(ErrorCode::invalid_argument,
                     "non-scalar key" + where + " " + describe_position(key_mark) + " (in " + type->full_name() + ")");
      }
      const std::string& key = key_node.Scalar();
      const FieldDescriptor* field = find_field(type, key);
      if (field == nullptr) {
        return error(ErrorCode::invalid_argument, "unknown key '" + join_path(path, key) + "' " +
                                                      describe_position(key_mark) + " (in " + type->full_name() + ")");
      }
      if (auto [prev, inserted] = seen.try_emplace(field, Seen{key, key_mark}); !inserted) {
        return error(ErrorCode::invalid_argument,
                     "duplicate key '" + join_path(path, key) + "' " + describe_position(key_mark) +
                         " (first given as '" + prev->second.key + "' " + describe_position(prev->second.mark) + ")");
      }
      if (const pb::OneofDescriptor* oneof = field->real_containing_oneof()) {
        if (auto [prev, inserted] = oneofs_set.try_emplace(oneof, Seen{key, key_mark}); !inserted) {
          return at_path(join_path(path, key), key_mark,
                         "conflicts with '" + prev->second.key + "' " + describe_position(prev->second.mark) +
                             ": only one member of '" + oneof->name() + "' may be set");
        }
      }
      std::string field_path = join_path(path, key);
      if (value.IsNull()) {
        reflection->ClearField(message, field);
        continue;
      }
      Status status;
      if (field->is_map()) {
        status = load_map(value, message, field, field_path, depth);
      } else if (field->is_repeated()) {
        status = load_repeated(value, message, field, field_path, depth);
      } else {
        status = store(value, key_mark, message, field, /*add=*/false, field_path, depth);
      }
      if (!status.ok()) return status;
    }
    return {};
  }

 private:
  Status load_repeated(const YAML::Node& node, pb::Message* message, const FieldDescriptor* field,
                       const std::string& path, int depth) {
    if (!node.IsSequence()) return at_path(path, node.Mark(), "expected a sequence");
    message->GetReflection()->ClearField(message, field);
    size_t index = 0;
    for (const auto& element : node) {
      Status status =
          store(element, node.Mark(), message, field, /*add=*/true, path + "[" + std::to_string(index++) + "]", depth);
      if (!status.ok()) return status;
    }
    return {};
  }

  Status load_map(const YAML::Node& node, pb::Message* message, const FieldDescriptor* field, const std::string& path,
                  int depth) {
    if (!node.IsMap()) return at_path(path, node.Mark(), "expected a mapping");
    const pb::Reflection* reflection = message->GetReflection();
    reflection->ClearField(message, field);
    const FieldDescriptor* key_field = field->message_type()->map_key();
    const FieldDescriptor* value_field = field->message_type()->map_value();
    std::map<std::string, YAML::Mark> seen;
    for (const auto& pair : node) {
      const YAML::Node key_node = pair.first;
      const YAML::Mark key_mark = key_node.Mark();
      std::string entry_path = path + "[" + (key_node.IsScalar() ? key_node.Scalar() : std::string("?")) + "]";
      pb::Message* entry = reflection->AddMessage(message, field);
      Status status = store(key_node, key_mark, entry, key_field, /*add=*/false, entry_path, depth);
      if (!status.ok()) return status;
      if (auto [prev, inserted] = seen.try_emplace(stored_map_key(*entry, key_field), key_mark); !inserted) {
        return error(ErrorCode::invalid_argument, "duplicate key '" + entry_path + "' " + describe_position(key_mark) +
                                                      " (first " + describe_position(prev->second) + ")");
      }
      status = store(pair.second, key_mark, entry, value_field, /*add=*/false, entry_path, depth);
      if (!status.ok()) return status;
    }
    return {};
  }

  // Sets (add=false) or appends (add=true) one value of FIELD from NODE.
  Status store(const YAML::Node& node, const YAML::Mark& fallback, pb::Message* message, const FieldDescriptor* field,
               bool add, const std::string& path, int depth) {
    const pb::Reflection* r = message->GetReflection();
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!node.IsMap()) return at_path(path, mark_of(node, fallback), "expected a mapping");
      pb::Message* child = add ? r->AddMessage(message, field) : r->MutableMessage(message, field);
      return load_message(node, fallback, child, path, depth + 1);
    }
    const YAML::Mark mark = mark_of(node, fallback);
    if (!node.IsScalar()) return at_path(path, mark, "expected " + expected_kind(field) + ", got " + describe(node));
    const std::string& text = node.Scalar();
    auto malformed = [&] {
      return at_path(path, mark, "expected " + expected_kind(field) + ", got " + describe(node));
    };
    auto out_of_range = [&](const char* type_name) {
      return at_path(path, mark, quote_for_message(text) + " is out of range for " + type_name);
    };
    auto check = [&](ScalarParse parsed, const char* type_name) -> Status {
      if (parsed == ScalarParse::malformed) return malformed();
      if (parsed == ScalarParse::out_of_range) return out_of_range(type_name);
      return {};
    };
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: {
        int64_t v = 0;
        Status s = check(
            parse_signed(text, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), &v), "int32");
        if (!s.ok()) return s;
        add ? r->AddInt32(message, field, static_cast<int32_t>(v))
            : r->SetInt32(message, field, static_cast<int32_t>(v));
        return {};
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t v = 0;
        Status s = check(
            parse_signed(text, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &v), "int64");
        if (!s.ok()) return s;
        add ? r->AddInt64(message, field, v) : r->SetInt64(message, field, v);
        return {};
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint64_t v = 0;
        Status s = check(parse_unsigned(text, std::numeric_limits<uint32_t>::max(), &v), "uint32");
        if (!s.ok()) return s;
        add ? r->AddUInt32(message, field, static_cast<uint32_t>(v))
            : r->SetUInt32(message, field, static_cast<uint32_t>(v));
        return {};
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t v = 0;
        Status s = check(parse_unsigned(text, std::numeric_limits<uint64_t>::max(), &v), "uint64");
        if (!s.ok()) return s;
        add ? r->AddUInt64(message, field, v) : r->SetUInt64(message, field, v);
        return {};
      }
      case FieldDescriptor::CPPTYPE_FLOAT: {
        float v = 0;
        Status s = check(parse_float(text, &v), "float");
        if (!s.ok()) return s;
        add ? r->AddFloat(message, field, v) : r->SetFloat(message, field, v);
        return {};
      }
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        double v = 0;
        Status s = check(parse_double(text, &v), "double");
        if (!s.ok()) return s;
        add ? r->AddDouble(message, field, v) : r->SetDouble(message, field, v);
        return {};
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        std::optional<bool> v = parse_bool(text);
        if (!v) return malformed();
        add ? r->AddBool(message, field, *v) : r->SetBool(message, field, *v);
        return {};
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const pb::EnumValueDescriptor* v = find_enum_value(field->enum_type(), text);
        if (v == nullptr) {
          return at_path(path, mark,
                         "expected one of " + enum_choices(field->enum_type()) + " (or the full " +
                             field->enum_type()->name() + " value name), got " + describe(node));
        }
        add ? r->AddEnum(message, field, v) : r->SetEnum(message, field, v);
        return {};
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string v = text;
        if (field->type() == FieldDescriptor::TYPE_BYTES) {
          std::optional<std::string> decoded = base64_decode(text);
          if (!decoded) return malformed();
          v = std::move(*decoded);
        }
        add ? r->AddString(message, field, std::move(v)) : r->SetString(message, field, std::move(v));
        return {};
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: break;  // handled above
    }
    return at_path(path, mark, "unsupported field type");
  }
};

}  // namespace

Status load_yaml(std::string_view yaml_text, google::protobuf::Message* message) {
  if (message == nullptr) return error(ErrorCode::invalid_argument, "load_yaml: no message to load into");
  try {
    Result<YAML::Node> document = parse_single_document(yaml_text);
    if (!document.ok()) return document.status();
    if (document->IsNull()) return {};
    // Load into a copy so that an error half way through leaves the caller's message as it was.
    std::unique_ptr<google::protobuf::Message> scratch(message->New());
    scratch->CopyFrom(*message);
    Status status = Loader().load_message(*document, document->Mark(), scratch.get(), "", 0);
    if (!status.ok()) return status;
    message->CopyFrom(*scratch);
    return {};
  } catch (const YAML::Exception& e) {
    return error(ErrorCode::invalid_argument, "invalid YAML " + describe_position(e.mark) + ": " + e.msg);
  } catch (const std::exception& e) {
    return error(ErrorCode::internal, std::string("loading YAML failed: ") + e.what());
  }
}

Status load_yaml_file(const std::string& path, google::protobuf::Message* message) {
  // POSIX calls rather than ifstream: reading a directory through a stream yields "" and would pass
  // as an empty config.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return error(e == ENOENT ? ErrorCode::not_found : ErrorCode::permission_denied,
                 path + ": cannot open: " + std::strerror(e));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return error(ErrorCode::invalid_argument, path + ": not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes) {
    ::close(fd);
    return error(ErrorCode::invalid_argument,
                 path + ": larger than " + std::to_string(kMaxFileBytes) + " bytes, not a config file");
  }
  std::string text;
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return error(ErrorCode::internal, path + ": cannot read: " + std::strerror(e));
    }
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > kMaxFileBytes) {
      ::close(fd);
      return error(ErrorCode::invalid_argument, path + ": grew past " + std::to_string(kMaxFileBytes) + " bytes");
    }
  }
  ::close(fd);
  Status status = load_yaml(text, message);
  if (!status.ok()) return error(status.code(), path + ": " + status.message());
  return {};
}

}  // namespace corral::config
