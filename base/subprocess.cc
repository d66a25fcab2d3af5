#include "base/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "base/clock.h"

extern char** environ;

namespace dandori {
namespace {

std::vector<std::string> BuildEnv(const SubprocessOptions& o) {
  std::map<std::string, std::string> env;
  if (!o.clear_env) {
    for (char** e = environ; e && *e; ++e) {
      std::string kv(*e);
      size_t eq = kv.find('=');
      if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  for (const auto& [k, v] : o.env_extra) env[k] = v;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Owns the spawn attributes and file actions for one child.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attr() { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

void AddRedirect(posix_spawn_file_actions_t* a, int fd, const std::string& path, bool write) {
  const char* p = path.empty() ? "/dev/null" : path.c_str();
  // No O_CLOEXEC: posix_spawn closes `fd` first, so open() usually returns `fd` itself,
  // and a close-on-exec flag there would close the redirect at exec.
  int flags = write ? (O_WRONLY | O_CREAT | O_APPEND) : O_RDONLY;
  posix_spawn_file_actions_addopen(a, fd, p, flags, 0644);
}

// Splits buffered pipe output into lines for the callback and the log file.
class LineSplitter {
 public:
  LineSplitter(const SubprocessOptions& o) : o_(o) {
    if (!o.stdout_path.empty()) log_.open(o.stdout_path, std::ios::app);
  }
  void Feed(const char* data, size_t n) {
    if (log_) log_.write(data, static_cast<std::streamsize>(n));
    buf_.append(data, n);
    size_t nl;
    while ((nl = buf_.find('\n')) != std::string::npos) {
      o_.on_stdout_line(buf_.substr(0, nl));
      buf_.erase(0, nl + 1);
    }
  }
  void Finish() {
    if (!buf_.empty()) o_.on_stdout_line(buf_);
    buf_.clear();
  }

 private:
  const SubprocessOptions& o_;
  std::ofstream log_;
  std::string buf_;
};

}  // namespace

Result<SubprocessResult> RunSubprocess(const SubprocessOptions& o) {
  if (o.argv.empty()) return Status::Invalid("empty argv");
  SpawnSetup setup;
  int pipe_fds[2] = {-1, -1};
  const bool piped = static_cast<bool>(o.on_stdout_line);
  if (piped) {
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::Internal("pipe failed");
    posix_spawn_file_actions_adddup2(setup.actions(), pipe_fds[1], 1);
  } else {
    AddRedirect(setup.actions(), 1, o.stdout_path, true);
  }
  AddRedirect(setup.actions(), 0, o.stdin_path, false);
  AddRedirect(setup.actions(), 2, o.stderr_path, true);
  if (!o.cwd.empty()) posix_spawn_file_actions_addchdir_np(setup.actions(), o.cwd.c_str());

  sigset_t none, defaults;
  sigemptyset(&none);
  sigfillset(&defaults);
  sigdelset(&defaults, SIGKILL);
  sigdelset(&defaults, SIGSTOP);
  posix_spawnattr_setsigmask(setup.attr(), &none);
  posix_spawnattr_setsigdefault(setup.attr(), &defaults);
  posix_spawnattr_setpgroup(setup.attr(), 0);
  posix_spawnattr_setflags(setup.attr(),
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> argv_s = o.argv;
  std::vector<std::string> env_s = BuildEnv(o);
  std::vector<char*> argv = CStrings(argv_s);
  std::vector<char*> envp = CStrings(env_s);

  pid_t pid = 0;
  int64_t start = MonotonicMs();
  int rc = posix_spawnp(&pid, argv[0], setup.actions(), setup.attr(), argv.data(), envp.data());
  if (piped) close(pipe_fds[1]);
  if (rc != 0) {
    if (piped) close(pipe_fds[0]);
    std::string what = fmt::format("cannot start '{}': {}", o.argv[0], std::strerror(rc));
    if (rc == ENOENT) return Status::NotFound(what);
    return Status::Permanent(what);
  }

  SubprocessResult result;
  LineSplitter splitter(o);
  int64_t kill_at = -1;  // when SIGKILL is due, after SIGTERM
  bool pipe_open = piped;
  int status = 0;
  struct rusage usage {};
  for (;;) {
    if (pipe_open) {
      struct pollfd pfd = {pipe_fds[0], POLLIN, 0};
      if (poll(&pfd, 1, 20) > 0) {
        char buf[4096];
        ssize_t n = read(pipe_fds[0], buf, sizeof buf);
        if (n > 0) {
          splitter.Feed(buf, static_cast<size_t>(n));
          continue;
        }
        if (n == 0) pipe_open = false;
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_t w = wait4(pid, &status, WNOHANG, &usage);
    if (w == pid) {
      // Drain whatever is left in the pipe.
      if (pipe_open) {
        char buf[4096];
        ssize_t n;
        while ((n = read(pipe_fds[0], buf, sizeof buf)) > 0) splitter.Feed(buf, n);
      }
      break;
    }
    int64_t now = MonotonicMs();
    bool stop = false;
    if (o.cancel && o.cancel->cancelled() && !result.cancelled) {
      result.cancelled = true;
      stop = true;
    }
    if (o.timeout_ms > 0 && now - start > o.timeout_ms && !result.timed_out && !result.cancelled) {
      result.timed_out = true;
      stop = true;
    }
    if (stop && kill_at < 0) {
      kill(-pid, SIGTERM);
      kill_at = now + o.kill_grace_ms;
    }
    if (kill_at >= 0 && now >= kill_at) {
      kill(-pid, SIGKILL);
      kill_at = now + 1000000000;  // once
    }
  }
  if (piped) {
    close(pipe_fds[0]);
    splitter.Finish();
  }
  // Stragglers in the child's process group (e.g. grandchildren) go too.
  kill(-pid, SIGKILL);
  result.wall_ms = MonotonicMs() - start;
  result.cpu_seconds = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                       usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  return result;
}

std::string TailOfFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  std::streamoff size = in.tellg();
  std::streamoff from = size > static_cast<std::streamoff>(max_bytes)
                            ? size - static_cast<std::streamoff>(max_bytes)
                            : 0;
  in.seekg(from);
  std::string out(static_cast<size_t>(size - from), '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return out;
}

}  // namespace dandori
