#include "common/log.h"

#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "common/log_writer.h"
#include "common/text.h"
#include "common/time_format.h"

namespace corral::log {
namespace {

// About 25,000 lines: seconds of a burst, without letting a stuck stderr grow the process.
constexpr size_t kMaxQueuedBytes = 4 << 20;

std::atomic<int> g_level{static_cast<int>(Level::info)};

// Written once at start, before any thread logs; never destroyed, so a line logged by a static
// destructor at exit still formats.
std::string& component() {
  static auto* name = new std::string;
  return *name;
}

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
  std::string lower = ascii_lower(key);
  for (std::string_view word : {"token", "password", "secret", "private_key", "credential"}) {
    if (lower.find(word) != std::string::npos) {
      // token_id, token_expires and similar metadata are not secret.
      return !(lower.ends_with("_id") || lower.ends_with("_expires") || lower.ends_with("_sha256"));
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
  if (text == "debug")
    *out = Level::debug;
  else if (text == "info")
    *out = Level::info;
  else if (text == "warn" || text == "warning")
    *out = Level::warn;
  else if (text == "error")
    *out = Level::error;
  else
    return false;
  return true;
}

void set_component(std::string_view name) { component() = name; }

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

namespace {

std::string format_fields(Level level, std::string_view event, const Field* first, const Field* last) {
  std::string line;
  line.reserve(128);
  line.append("ts=").append(format_rfc3339_millis(std::chrono::system_clock::now()));
  line.append(" level=").append(level_name(level));
  if (!component().empty()) line.append(" component=").append(component());
  line.append(" event=");
  append_value(line, event);
  for (const Field* f = first; f != last; ++f) {
    line.push_back(' ');
    line.append(f->key).push_back('=');
    append_value(line, is_secret_key(f->key) ? std::string_view("[redacted]") : std::string_view(f->value));
  }
  return line;
}

void write_to_stderr(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(STDERR_FILENO, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EAGAIN) {
      // Someone made stderr non-blocking; this thread may wait, the callers never do.
      pollfd p{STDERR_FILENO, POLLOUT, 0};
      ::poll(&p, 1, -1);
    } else if (n < 0 && errno != EINTR) {
      return;  // stderr is closed or broken: there is nowhere left to say so
    }
  }
}

// Created by the first line logged and never destroyed: threads still running while the process
// exits may log, and static destructors run after the exit handler below may too.
LogWriter& writer() {
  static LogWriter* const instance = [] {
    auto* w = new LogWriter(&write_to_stderr, kMaxQueuedBytes, [](uint64_t dropped) {
      return format(Level::warn, "log.dropped", {{"count", dropped}, {"why", "the log queue was full"}});
    });
    // exit() would end the writer thread with lines still queued; after this, lines are
    // written synchronously.
    std::atexit([] { writer().stop(); });
    pthread_atfork([] { writer().before_fork(); }, [] { writer().after_fork_in_parent(); },
                   [] { writer().after_fork_in_child(); });
    return w;
  }();
  return *instance;
}

}  // namespace

std::string format(Level level, std::string_view event, std::initializer_list<Field> fields) {
  return format_fields(level, event, fields.begin(), fields.end());
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  writer().enqueue(format_fields(level, event, fields.begin(), fields.end()));
}

void write_fields(Level level, std::string_view event, const std::vector<Field>& fields) {
  writer().enqueue(format_fields(level, event, fields.data(), fields.data() + fields.size()));
}

void flush() { writer().flush(); }

void error_before_abort(std::string_view event, std::initializer_list<Field> fields) {
  writer().write_now(format_fields(Level::error, event, fields.begin(), fields.end()));
}

}  // namespace corral::log
