#include "bench/agent-swarm/swarm_report.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "common/files.h"

namespace corral::bench {
namespace {

void print_line(const std::string& head, const ReportFields& fields) {
  std::string line = head;
  for (const auto& [k, v] : fields) line += " " + k + "=" + (v.find(' ') == std::string::npos ? v : "\"" + v + "\"");
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

bool is_number(const std::string& v) {
  double d = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  return !v.empty() && ec == std::errc() && end == v.data() + v.size();
}

std::string json_value(const std::string& v) {
  if (is_number(v) || v == "true" || v == "false") return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

ReportFields percentiles(const std::string& prefix, std::vector<uint32_t> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) -> std::string {
    if (ms.empty()) return "0";
    size_t i = std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())));
    return std::to_string(ms[i]);
  };
  return {{prefix + "_p50_ms", at(0.50)},
          {prefix + "_p90_ms", at(0.90)},
          {prefix + "_p99_ms", at(0.99)},
          {prefix + "_max_ms", ms.empty() ? "0" : std::to_string(ms.back())}};
}

void SwarmReport::phase(const std::string& name, ReportFields fields) {
  print_line("phase=" + name, fields);
  phases_.emplace_back(name, std::move(fields));
}

void SwarmReport::summary(ReportFields fields) {
  print_line("summary", fields);
  phases_.emplace_back("summary", std::move(fields));
}

Status SwarmReport::write_json(const std::string& path) const {
  std::string out = "{\n";
  for (size_t p = 0; p < phases_.size(); ++p) {
    out += "  \"" + phases_[p].first + "\": {";
    const ReportFields& fields = phases_[p].second;
    for (size_t i = 0; i < fields.size(); ++i) {
      out += (i ? ", " : "") + std::string("\"") + fields[i].first + "\": " + json_value(fields[i].second);
    }
    out += p + 1 < phases_.size() ? "},\n" : "}\n";
  }
  out += "}\n";
  return write_file_atomic(path, out, 0644);
}

}  // namespace corral::bench
