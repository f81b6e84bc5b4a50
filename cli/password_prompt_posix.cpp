#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "cli/password_prompt.h"

namespace corral::cli {
namespace {

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

Result<std::string> prompt_password(const std::string& prompt) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return error(ErrorCode::failed_precondition,
                 "no terminal to ask for the password on: pipe it in with --password-stdin");
  }
  termios saved{};
  const bool is_tty = ::tcgetattr(fd, &saved) == 0;
  if (is_tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    (void)::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  write_all(fd, prompt);
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (is_tty) (void)::tcsetattr(fd, TCSAFLUSH, &saved);
  ::close(fd);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return error(ErrorCode::invalid_argument, "no password given");
  return line;
}

}  // namespace corral::cli
