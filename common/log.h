// Structured logging: one event per line, "ts=... level=... event=... key=value ...". Values
// with spaces or quotes are quoted. Callers never pass secrets; fields whose key looks like a
// secret (token, password, secret, key) are redacted anyway as a second line of defence.
//
// Lines are formatted on the caller's thread and written to stderr by one writer thread
// (common/log_writer.h), so a slow or blocked stderr never stalls the core or network thread.
// The queue is bounded: past it lines are dropped and counted, and a "log.dropped" line says how
// many. Everything queued is written at exit(); before _Exit call flush(), before abort() log with
// error_before_abort().
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corral::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  template <typename N>
  requires std::is_arithmetic_v<N> Field(std::string_view k, N n) : key(k), value(std::to_string(n)) {}
  Field(std::string_view k, bool b) : key(k), value(b ? "true" : "false") {}

  std::string_view key;
  std::string value;
};

void set_level(Level level);
bool parse_level(std::string_view text, Level* out);
// Names the program in every line ("component=manager").
void set_component(std::string_view name);
bool enabled(Level level);

void write(Level level, std::string_view event, std::initializer_list<Field> fields);
// The same with fields built at run time (e.g. a plugin's log record).
void write_fields(Level level, std::string_view event, const std::vector<Field>& fields);
// The formatted line without writing it (for tests).
std::string format(Level level, std::string_view event, std::initializer_list<Field> fields);

// Returns once every line logged before the call has been written to stderr.
void flush();
// An error line written to stderr before returning, after everything queued before it: for a
// path about to call std::abort(), which runs no exit handlers, so a queued line would be lost.
void error_before_abort(std::string_view event, std::initializer_list<Field> fields);

inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::debug)) write(Level::debug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::info)) write(Level::info, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::warn)) write(Level::warn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::error, event, fields);
}

}  // namespace corral::log
