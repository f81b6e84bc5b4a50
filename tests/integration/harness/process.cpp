#include "tests/integration/harness/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <time.h>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace corral::testing {

Process::Process(Process&& other) noexcept { *this = std::move(other); }

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    kill_now();
    pid_ = other.pid_;
    exit_code_ = other.exit_code_;
    log_path_ = std::move(other.log_path_);
    other.pid_ = -1;
  }
  return *this;
}

Process::~Process() { kill_now(); }

Process Process::start(const std::string& program, const std::vector<std::string>& args, const std::string& log_path,
                       const std::map<std::string, std::string>& extra_env, const ChildSetup& setup) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    std::string key = kv.substr(0, kv.find('='));
    if (!extra_env.count(key)) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : extra_env) env_strings.push_back(k + "=" + v);

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    if (!setup.stdin_path.empty()) {
      int in = open(setup.stdin_path.c_str(), O_RDONLY);
      if (in < 0 || dup2(in, 0) < 0) _exit(126);
      close(in);
    }
    if (!setup.working_dir.empty() && chdir(setup.working_dir.c_str()) != 0) _exit(126);
    // Own process group, so a stop reaches the child's children too.
    setpgid(0, 0);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    execve(program.c_str(), argv.data(), envp.data());
    std::fprintf(stderr, "exec %s failed: %s\n", program.c_str(), std::strerror(errno));
    _exit(127);
  }
  Process p;
  p.pid_ = pid;
  p.log_path_ = log_path;
  return p;
}

bool Process::running() {
  if (pid_ <= 0 || exit_code_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return exit_code_;
  if (!eventually([&] { return !running(); }, timeout)) return std::nullopt;
  return exit_code_;
}

std::optional<int> Process::stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return exit_code_;
  if (running()) ::kill(pid_, SIGTERM);
  return wait_exit(timeout);
}

void Process::kill_now() {
  if (pid_ <= 0) return;
  if (running()) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

std::string Process::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Process::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) const {
  return eventually([&] { return log().find(needle) != std::string::npos; }, timeout);
}

int Process::count_in_log(const std::string& needle) const {
  std::string text = log();
  int n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) n++;
  return n;
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

}  // namespace corral::testing
