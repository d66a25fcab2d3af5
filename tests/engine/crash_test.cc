// The crash test (DESIGN §5 "no lost work"): a 2,000-task job whose tasks append their id
// to an effect log; the engine process is killed with SIGKILL at random moments at least
// 20 times and started again each time. Asserts: the job completes; every task ran
// (none lost); no task recorded as finished at a kill ever ran again afterwards.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "engine/sqlite_store.h"

namespace dandori::engine {
namespace {

constexpr int kTasks = 2000;
constexpr int kKills = 20;

std::vector<std::string> ReadLog(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

pid_t Spawn(const std::string& bin, const std::string& store, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    std::string n = std::to_string(kTasks);
    execl(bin.c_str(), bin.c_str(), store.c_str(), log.c_str(), n.c_str(), nullptr);
    _exit(127);
  }
  return pid;
}

// Keys of the tasks stored as succeeded.
std::set<std::string> Finished(const std::string& store_path) {
  std::set<std::string> out;
  // Killed before it created its store: nothing finished yet.
  if (!std::filesystem::exists(store_path)) return out;
  auto store =
      OpenSqliteStore(store_path, {.create = false, .busy_timeout_ms = 5000, .durable = false});
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  auto jobs = (*store)->ListJobs(10);
  REQUIRE(jobs.ok());
  if (jobs->empty()) return out;
  auto tasks = (*store)->LoadTasks(jobs->front().id);
  REQUIRE(tasks.ok());
  for (const auto& t : *tasks) {
    if (t.state == TaskState::kSucceeded) out.insert(t.key);
  }
  return out;
}

// Runs one 2,000-task job to completion, killing the engine up to `kills_wanted` times
// at random moments; checks nothing was lost or repeated. Returns the kills made (fewer
// when the job finished first: a fast machine outruns the random delays).
int RunJobUnderKills(const std::string& bin, const std::filesystem::path& dir, int kills_wanted,
                     std::mt19937& rng) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string store = (dir / "state.db").string();
  std::string log = (dir / "effects.log").string();
  std::uniform_int_distribution<int> delay_ms(10, 150);
  struct Checkpoint {
    std::set<std::string> finished;
    size_t log_lines;
  };
  std::vector<Checkpoint> checkpoints;
  int kills = 0, runs = 0;
  bool completed = false;
  while (!completed) {
    pid_t pid = Spawn(bin, store, log);
    REQUIRE(pid > 0);
    ++runs;
    bool kill_this = kills < kills_wanted;
    int status = 0;
    if (kill_this) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
      if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        ++kills;
        checkpoints.push_back({Finished(store), ReadLog(log).size()});
        continue;
      }
    } else {
      waitpid(pid, &status, 0);
    }
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    completed = true;
  }
  INFO("runs " << runs << ", kills " << kills);

  std::vector<std::string> lines = ReadLog(log);
  std::set<std::string> all = Finished(store);
  CHECK(all.size() == static_cast<size_t>(kTasks));  // the job completed: every task finished
  std::set<std::string> ran(lines.begin(), lines.end());
  for (int i = 0; i < kTasks; ++i) {
    INFO("task s1/" << i);
    CHECK(ran.count("s1/" + std::to_string(i)) == 1);  // no task lost
  }
  size_t repeated = 0;
  for (const Checkpoint& c : checkpoints) {
    for (size_t i = c.log_lines; i < lines.size(); ++i) repeated += c.finished.count(lines[i]);
  }
  CHECK(repeated == 0);  // no task recorded as finished ever ran again
  INFO("effects " << lines.size() << " for " << kTasks << " tasks");
  CHECK(lines.size() >= static_cast<size_t>(kTasks));
  std::filesystem::remove_all(dir);
  return kills;
}

TEST_CASE("crash: kill -9 at random moments, resume, nothing lost or repeated") {
  const char* bindir = std::getenv("DANDORI_BINARY_DIR");
  REQUIRE(bindir != nullptr);
  std::string bin = std::string(bindir) + "/tests/engine/crash_engine";
  REQUIRE(std::filesystem::exists(bin));
  auto base =
      std::filesystem::temp_directory_path() / ("dandori-crash-" + std::to_string(getpid()));
  std::mt19937 rng(std::random_device{}());
  // At least kKills kills in all; a job that finishes first is followed by a fresh one.
  int kills = 0;
  for (int job = 0; kills < kKills && job < 8; ++job) {
    kills += RunJobUnderKills(bin, base / std::to_string(job), kKills - kills, rng);
  }
  CHECK(kills >= kKills);
}

}  // namespace
}  // namespace dandori::engine
