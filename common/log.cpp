#include "common/log.h"

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace corral::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};
std::mutex g_mutex;
std::string g_component;  // written once at start, before any thread logs

const char* level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

bool is_secret_key(std::string_view key) {
  std::string lower;
  lower.reserve(key.size());
  for (char c : key) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (std::string_view word : {"token", "password", "secret", "private_key", "credential"}) {
    if (lower.find(word) != std::string::npos) {
      // token_id, token_expires and similar metadata are not secret.
      if (lower.ends_with("_id") || lower.ends_with("_expires") || lower.ends_with("_sha256")) return false;
      return true;
    }
  }
  return false;
}

void append_value(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
          out.append(buf);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

void set_level(Level level) { g_level.store(static_cast<int>(level)); }

bool parse_level(std::string_view text, Level* out) {
  if (text == "debug") *out = Level::debug;
  else if (text == "info") *out = Level::info;
  else if (text == "warn" || text == "warning") *out = Level::warn;
  else if (text == "error") *out = Level::error;
  else return false;
  return true;
}

void set_component(std::string_view component) { g_component = component; }

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

namespace {

std::string format_fields(Level level, std::string_view event, const Field* first, const Field* last) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[96];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  std::string line;
  line.reserve(128);
  line.append("ts=").append(ts).append(" level=").append(level_name(level));
  if (!g_component.empty()) line.append(" component=").append(g_component);
  line.append(" event=");
  append_value(line, event);
  for (const Field* f = first; f != last; ++f) {
    line.push_back(' ');
    line.append(f->key).push_back('=');
    append_value(line, is_secret_key(f->key) ? std::string_view("[redacted]") : std::string_view(f->value));
  }
  return line;
}

void emit(std::string line) {
  line.push_back('\n');
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

std::string format(Level level, std::string_view event, std::initializer_list<Field> fields) {
  return format_fields(level, event, fields.begin(), fields.end());
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  emit(format_fields(level, event, fields.begin(), fields.end()));
}

void write_fields(Level level, std::string_view event, const std::vector<Field>& fields) {
  emit(format_fields(level, event, fields.data(), fields.data() + fields.size()));
}

}  // namespace corral::log
