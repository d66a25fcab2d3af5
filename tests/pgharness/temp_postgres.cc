// TempPostgres: see temp_postgres.h.
#include "tests/pgharness/temp_postgres.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "base/subprocess.h"

namespace dandori::testing {
namespace {

namespace fs = std::filesystem;

struct ServerUser {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

Result<ServerUser> FindServerUser() {
  ServerUser u;
  if (geteuid() != 0) return u;
  struct passwd* pw = getpwnam("postgres");
  if (pw == nullptr) {
    return Status::FailedPrecondition(
        "running as root but there is no `postgres` user to run the server as "
        "(install the postgresql package: scripts/install-deps.sh)");
  }
  u.switch_user = true;
  u.uid = pw->pw_uid;
  u.gid = pw->pw_gid;
  return u;
}

// Forks a child that (as the server user, when we are root) execs argv with stdout and
// stderr appended to log_path. Only async-signal-safe calls after fork.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log_path,
                    bool die_with_parent) {
  auto user = FindServerUser();
  if (!user.ok()) return user.status();
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return Status::Internal(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    setsid();
    if (user->switch_user) {
      if (setgroups(0, nullptr) != 0 || setgid(user->gid) != 0 || setuid(user->uid) != 0) {
        _exit(126);
      }
    }
    // After setuid: a credential change clears the parent-death signal.
    if (die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGINT);
      if (getppid() != parent) _exit(125);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

Status RunToEnd(const std::vector<std::string>& argv, const std::string& log_path) {
  auto pid = Spawn(argv, log_path, true);
  if (!pid.ok()) return pid.status();
  int status = 0;
  while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  return Status::Internal(argv[0] + " failed (status " + std::to_string(status) +
                          "): " + TailOfFile(log_path));
}

}  // namespace

Result<int> FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::Internal(std::string("socket: ") + strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return Status::Internal(std::string("bind: ") + strerror(errno));
  }
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

Result<std::unique_ptr<TempPostgres>> TempPostgres::Start(TempPostgresOptions options) {
  std::unique_ptr<TempPostgres> pg(new TempPostgres());
  DANDORI_RETURN_IF_ERROR(pg->Init(options));
  // The free port may be taken between our probe and the server's bind: retry.
  Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    last = pg->Launch(options);
    if (last.ok()) last = pg->WaitReady(options);
    if (last.ok()) return pg;
  }
  return last;
}

TempPostgres::~TempPostgres() { (void)Stop(); }

Status TempPostgres::Init(const TempPostgresOptions& options) {
  bin_dir_ = options.bin_dir;
  if (bin_dir_.empty()) {
    const char* env = std::getenv("DANDORI_PG_BIN");
    bin_dir_ = env && *env ? env : "/usr/lib/postgresql/15/bin";
  }
  if (!fs::exists(bin_dir_ + "/initdb") || !fs::exists(bin_dir_ + "/postgres")) {
    return Status::FailedPrecondition("no PostgreSQL server programs in " + bin_dir_ +
                                      " (install the postgresql package or set DANDORI_PG_BIN)");
  }
  std::string tmpl = (fs::temp_directory_path() / "dandori-pg-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    return Status::Internal(std::string("mkdtemp: ") + strerror(errno));
  }
  dir_ = tmpl;
  auto user = FindServerUser();
  if (!user.ok()) return user.status();
  if (user->switch_user && chown(dir_.c_str(), user->uid, user->gid) != 0) {
    return Status::Internal("chown " + dir_ + ": " + strerror(errno));
  }
  return RunToEnd({bin_dir_ + "/initdb", "-D", dir_ + "/data", "-U", "postgres", "--auth=trust",
                   "-E", "UTF8", "--locale=C", "--no-sync"},
                  dir_ + "/initdb.log");
}

Status TempPostgres::Launch(const TempPostgresOptions& options, int fixed_port) {
  options_ = options;
  if (fixed_port > 0) {
    port_ = fixed_port;
  } else {
    auto port = FreeLoopbackPort();
    if (!port.ok()) return port.status();
    port_ = *port;
  }
  std::vector<std::string> argv = {bin_dir_ + "/postgres",
                                   "-D",
                                   dir_ + "/data",
                                   "-p",
                                   std::to_string(port_),
                                   "-k",
                                   dir_,
                                   "-c",
                                   "listen_addresses=127.0.0.1",
                                   "-c",
                                   std::string("fsync=") + (options.fsync ? "on" : "off"),
                                   "-c",
                                   "max_connections=" + std::to_string(options.max_connections)};
  for (const auto& s : options.settings) {
    argv.push_back("-c");
    argv.push_back(s);
  }
  auto pid = Spawn(argv, dir_ + "/server.log", true);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  return Status::Ok();
}

Status TempPostgres::WaitReady(const TempPostgresOptions& options) {
  std::string conninfo = Url();
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.start_timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return Status::Ok();
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable("postgres exited during start-up: " +
                                 TailOfFile(dir_ + "/server.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGQUIT);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return Status::Timeout("postgres did not accept connections: " +
                         TailOfFile(dir_ + "/server.log"));
}

Status TempPostgres::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGINT);  // fast shutdown: roll back sessions, checkpoint, exit
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGQUIT);  // immediate shutdown
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
  return Status::Ok();
}

Status TempPostgres::StopImmediate() {
  if (pid_ <= 0) return Status::FailedPrecondition("the server is not running");
  kill(pid_, SIGQUIT);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return Status::Ok();
}

Status TempPostgres::Restart() {
  if (pid_ > 0) return Status::FailedPrecondition("the server is still running");
  if (dir_.empty()) return Status::FailedPrecondition("the server was removed");
  // The old server's socket file and pid file may be left behind by an immediate stop;
  // postgres removes stale ones itself. The port may take a moment to be free again.
  Status last;
  for (int attempt = 0; attempt < 20; ++attempt) {
    last = Launch(options_, port_);
    if (last.ok()) last = WaitReady(options_);
    if (last.ok()) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return last;
}

std::string TempPostgres::Url(const std::string& db) const {
  return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

Status TempPostgres::CreateDatabase(const std::string& name) {
  if (name.empty() ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    return Status::Invalid("database name must match [a-z0-9_]+: " + name);
  }
  // CREATE DATABASE takes no parameters; the name is checked above.
  return Exec("CREATE DATABASE " + name);
}

Status TempPostgres::Exec(const std::string& sql, const std::string& db) {
  PGconn* conn = PQconnectdb(Url(db).c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    return Status::Unavailable("connect: " + msg);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  ExecStatusType st = PQresultStatus(res);
  Status out = Status::Ok();
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    out = Status::Internal(PQresultErrorMessage(res));
  }
  PQclear(res);
  PQfinish(conn);
  return out;
}

}  // namespace dandori::testing
