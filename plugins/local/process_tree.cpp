#include "plugins/local/process_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace corral::local {
namespace {

struct StatLine {
  char state = '?';
  pid_t session = 0;
  uint64_t start_ticks = 0;
};

// /proc/<pid>/stat: "pid (comm) state ppid pgrp session ... starttime(22nd field)". comm may
// contain spaces and parentheses, so parse from the last ')'.
bool read_stat(pid_t pid, StatLine* out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return false;
  size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return false;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  std::vector<std::string> f;
  while (rest >> field) f.push_back(field);
  // f[0]=state f[1]=ppid f[2]=pgrp f[3]=session ... f[19]=starttime
  if (f.size() < 20) return false;
  out->state = f[0][0];
  out->session = static_cast<pid_t>(std::strtol(f[3].c_str(), nullptr, 10));
  out->start_ticks = std::strtoull(f[19].c_str(), nullptr, 10);
  return true;
}

}  // namespace

uint64_t process_start_ticks(pid_t pid) {
  StatLine s;
  return read_stat(pid, &s) ? s.start_ticks : 0;
}

bool spawn_detached(const std::string& dir, const std::string& script_name, const std::string& log_name, Spawned* out,
                    std::string* error) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  pid_t first = fork();
  if (first < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    close(report[0]);
    close(report[1]);
    return false;
  }
  if (first == 0) {
    // Intermediate child: new session, fork the script, report its pid, exit. Only
    // async-signal-safe calls from here on.
    close(report[0]);
    if (setsid() < 0) _exit(120);
    pid_t script = fork();
    if (script < 0) _exit(121);
    if (script == 0) {
      if (chdir(dir.c_str()) != 0) _exit(122);
      int in = open("/dev/null", O_RDONLY);
      int log = open(log_name.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (in < 0 || log < 0) _exit(123);
      dup2(in, 0);
      dup2(log, 1);
      dup2(log, 2);
      // Nothing of the host's leaks into the VM (sockets, the store, other VMs' logs).
      long max = sysconf(_SC_OPEN_MAX);
      for (int fd = 3; fd < max && fd < 65536; ++fd) close(fd);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      signal(SIGPIPE, SIG_DFL);
      execl("/bin/bash", "bash", script_name.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    ssize_t w = write(report[1], &script, sizeof script);
    _exit(w == sizeof script ? 0 : 124);
  }
  close(report[1]);
  pid_t script = 0;
  ssize_t n = read(report[0], &script, sizeof script);
  close(report[0]);
  int status = 0;
  waitpid(first, &status, 0);
  if (n != sizeof script || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *error = "could not start the startup script (setup step failed with code " +
             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
    return false;
  }
  out->pid = script;
  out->session = first;  // setsid() made the intermediate child the session leader
  out->start_ticks = process_start_ticks(script);
  return true;
}

std::vector<pid_t> session_members(pid_t session, uint64_t min_start_ticks) {
  std::vector<pid_t> members;
  if (session <= 1) return members;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return members;
  while (dirent* e = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || pid <= 1) continue;
    StatLine s;
    if (!read_stat(static_cast<pid_t>(pid), &s)) continue;
    if (s.session != session || s.state == 'Z' || s.state == 'X') continue;
    if (min_start_ticks != 0 && s.start_ticks < min_start_ticks) continue;
    members.push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return members;
}

bool stop_session(pid_t session, uint64_t min_start_ticks, std::chrono::milliseconds grace) {
  auto signal_all = [&](int sig) {
    std::vector<pid_t> members = session_members(session, min_start_ticks);
    for (pid_t p : members) kill(p, sig);
    return !members.empty();
  };
  if (!signal_all(SIGTERM)) return true;
  auto poll_until = [&](std::chrono::steady_clock::time_point until) {
    while (std::chrono::steady_clock::now() < until) {
      if (session_members(session, min_start_ticks).empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return session_members(session, min_start_ticks).empty();
  };
  if (poll_until(std::chrono::steady_clock::now() + grace)) return true;
  signal_all(SIGKILL);
  return poll_until(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

}  // namespace corral::local
