#include "tests/integration/vsphere/vcsim_peer.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace corral::vsphere::testing {
namespace {

std::string field(const std::string& line, const std::string& name) {
  size_t at = line.find(" " + name + "=");
  if (at == std::string::npos) return {};
  at += name.size() + 2;
  return line.substr(at, line.find_first_of(" \n", at) - at);
}

}  // namespace

VcsimPeer::VcsimPeer() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "corral-vcsim-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  const std::string cert_path = dir_ + "/cert.pem";
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
    std::vector<std::string> args = {CORRAL_VCSIM_BIN, "-cert",     cert_path,     "-user",
                                     kVcsimUser,       "-password", kVcsimPassword};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  stdin_ = in[1];
  FILE* f = fdopen(out[0], "r");
  char line[1024] = {};
  // Blocks until the simulator serves (or exits): the signal, not a sleep.
  std::string ready = f != nullptr && std::fgets(line, sizeof line, f) != nullptr ? line : "";
  if (f != nullptr) std::fclose(f);
  url_ = field(ready, "url");
  thumbprint_ = field(ready, "thumbprint");
  std::ifstream cert(cert_path);
  std::stringstream text;
  text << cert.rdbuf();
  cert_pem_ = text.str();
  if (!ready.starts_with("vcsim ready ") || url_.empty() || thumbprint_.empty() || cert_pem_.empty()) {
    stop();
    throw std::runtime_error("the vCenter simulator did not start: '" + ready + "'");
  }
}

VcsimPeer::~VcsimPeer() { stop(); }

void VcsimPeer::stop() {
  if (stdin_ >= 0) close(stdin_);
  stdin_ = -1;
  if (pid_ > 0) {
    int status = 0;
    // It exits when its stdin closes; SIGKILL only if it is stuck.
    for (int i = 0; i < 300 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(100'000);
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  pid_ = -1;
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace corral::vsphere::testing
