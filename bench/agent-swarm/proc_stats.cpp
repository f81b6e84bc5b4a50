#include "bench/agent-swarm/proc_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace corral::bench {

Result<ProcSample> sample_process(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid);
  ProcSample out;

  std::ifstream status(dir + "/status");
  if (!status) return error(ErrorCode::not_found, "process " + std::to_string(pid) + " is gone");
  std::string line;
  bool have_rss = false;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream(line.substr(6)) >> out.rss_kib;  // "VmRSS:   123456 kB"
      have_rss = true;
      break;
    }
  }
  if (!have_rss) return error(ErrorCode::not_found, "process " + std::to_string(pid) + " has no VmRSS (a zombie?)");

  std::ifstream stat(dir + "/stat");
  std::string text;
  if (!stat || !std::getline(stat, text)) return error(ErrorCode::not_found, "cannot read " + dir + "/stat");
  // The command name (field 2) may hold spaces and parentheses; fields are counted after its ')'.
  size_t close = text.rfind(')');
  if (close == std::string::npos) return error(ErrorCode::internal, "unexpected format of " + dir + "/stat");
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After ')' come state(3) ppid(4) ... utime(14) stime(15): utime is the 12th field from here.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  out.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return out;
}

double machine_busy_cpu_seconds() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  // "cpu user nice system idle iowait irq softirq steal ...": busy is all but idle and iowait.
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (!(stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal)) return 0;
  return static_cast<double>(user + nice + system + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double cpu_percent_of_one_core(const ProcSample& before, const ProcSample& after, double wall_seconds) {
  if (wall_seconds <= 0) return 0;
  return 100.0 * (after.cpu_seconds - before.cpu_seconds) / wall_seconds;
}

}  // namespace corral::bench
