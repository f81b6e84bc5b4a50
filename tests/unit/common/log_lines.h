// Helpers for the logging tests: reading what a writer produced through a pipe or a file, and
// pointing this process's stderr somewhere else for the length of a test.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace corral::log::testing {

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t end = text.find('\n');
    if (end == std::string_view::npos) end = text.size();
    out.emplace_back(text.substr(0, end));
    text.remove_prefix(end == text.size() ? end : end + 1);
  }
  return out;
}

inline void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

inline std::string read_until_eof(int fd) {
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

// A pipe whose read end a thread drains, once start_reading() is called, until finish() closes
// the write end. Until then a writer into it blocks as soon as the pipe buffer is full.
class DrainedPipe {
 public:
  DrainedPipe() {
    if (::pipe(fds_) != 0) fds_[0] = fds_[1] = -1;
  }
  ~DrainedPipe() { (void)finish(); }
  DrainedPipe(const DrainedPipe&) = delete;
  DrainedPipe& operator=(const DrainedPipe&) = delete;

  int write_fd() const { return fds_[1]; }
  void start_reading() {
    reader_ = std::thread([this] { text_ = read_until_eof(fds_[0]); });
  }
  // Everything written into the pipe (start_reading() first, or this waits for nothing).
  std::string finish() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
    if (reader_.joinable()) reader_.join();
    if (fds_[0] >= 0) ::close(fds_[0]);
    fds_[0] = -1;
    return text_;
  }

 private:
  int fds_[2];
  std::thread reader_;
  std::string text_;
};

// Points fd 2 at TARGET until restore() or destruction.
class StderrRedirect {
 public:
  explicit StderrRedirect(int target) : saved_(::dup(STDERR_FILENO)) { ::dup2(target, STDERR_FILENO); }
  ~StderrRedirect() { restore(); }
  StderrRedirect(const StderrRedirect&) = delete;
  StderrRedirect& operator=(const StderrRedirect&) = delete;
  void restore() {
    if (saved_ < 0) return;
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }

 private:
  int saved_;
};

}  // namespace corral::log::testing
