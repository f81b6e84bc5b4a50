// Starts a loopback test server written in python3 (the AWS endpoints of tests/unit/plugins/aws,
// the vSphere fault proxy) and learns its port from the "listening <port>" line it prints once it
// serves. Closing its stdin stops it; the
// destructor does that and reaps it, and kills it if it has not gone.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace corral::testing {

class LoopbackServer {
 public:
  LoopbackServer(const std::string& script, const std::vector<std::string>& args) {
    int in[2];
    int out[2];
    if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      std::vector<std::string> argv_s = {CORRAL_PYTHON3, script};
      argv_s.insert(argv_s.end(), args.begin(), args.end());
      std::vector<char*> argv;
      argv.reserve(argv_s.size() + 1);
      for (auto& a : argv_s) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    FILE* f = fdopen(out[0], "r");
    char line[128] = {};
    // Blocks until the server serves (or exits): the signal, not a sleep.
    bool got =
        f != nullptr && std::fgets(line, sizeof line, f) != nullptr && std::sscanf(line, "listening %d", &port_) == 1;
    if (f != nullptr) std::fclose(f);
    if (!got) {
      stop();
      throw std::runtime_error(script + " did not report a port");
    }
  }
  ~LoopbackServer() { stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void stop() {
    if (stdin_ >= 0) close(stdin_);
    stdin_ = -1;
    if (pid_ > 0) {
      int status = 0;
      // The server exits when its stdin closes; SIGKILL only if it is stuck.
      for (int i = 0; i < 600 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(100'000);
      if (waitpid(pid_, &status, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
    }
    pid_ = -1;
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
};

}  // namespace corral::testing
