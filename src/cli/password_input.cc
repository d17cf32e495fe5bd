#include "cli/password_input.h"

#include <termios.h>
#include <unistd.h>

#include "meta/password.h"

namespace nasd::cli {
namespace {

// Reads one line; false at end of input with nothing read. Stops storing past
// the limit (the rest of the line is consumed, and the length still refused).
bool ReadLine(std::FILE* in, std::string& line) {
  line.clear();
  int c = 0;
  bool any = false;
  while ((c = std::fgetc(in)) != EOF) {
    any = true;
    if (c == '\n') break;
    if (line.size() <= meta::kMaxPasswordBytes) line.push_back(static_cast<char>(c));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return any;
}

// Turns terminal echo off for its lifetime.
class NoEcho {
 public:
  explicit NoEcho(int fd) : fd_(fd) {
    if (tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the user's Enter still moves to the next line
    // TCSANOW, not TCSAFLUSH: input typed (or piped into the pty) ahead of
    // the prompt must not be thrown away.
    active_ = tcsetattr(fd_, TCSANOW, &quiet) == 0;
  }
  ~NoEcho() {
    if (active_) tcsetattr(fd_, TCSANOW, &saved_);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

Result<std::string> Prompt(std::FILE* in, const char* prompt) {
  NoEcho quiet(fileno(in));  // before the prompt, so nothing typed after it echoes
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  std::string line;
  if (!ReadLine(in, line)) return InvalidArgument("no password given");
  return line;
}

}  // namespace

Result<std::string> ReadNewPassword(std::FILE* in) {
  std::string password;
  if (!isatty(fileno(in))) {
    if (!ReadLine(in, password)) return InvalidArgument("no password on standard input");
  } else {
    NASD_ASSIGN_OR_RETURN(password, Prompt(in, "New password: "));
    NASD_RETURN_IF_ERROR(meta::ValidatePassword(password));
    NASD_ASSIGN_OR_RETURN(std::string again, Prompt(in, "Repeat password: "));
    if (again != password) return InvalidArgument("the passwords do not match");
  }
  NASD_RETURN_IF_ERROR(meta::ValidatePassword(password));
  return password;
}

}  // namespace nasd::cli
