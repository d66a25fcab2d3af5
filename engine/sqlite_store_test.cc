#include "engine/sqlite_store.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "engine/sqlite_stmt.h"
#include "engine/store_contract.h"

namespace dandori::engine {
namespace {

std::string TempDir() {
  static int n = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("dandori-store-test-" + std::to_string(getpid()) + "-" + std::to_string(n++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace

TEST_CASE("sqlite store passes the store contract") {
  std::string last;
  RunStoreContract(
      [&] {
        last = TempDir() + "/state.db";
        auto s = OpenSqliteStore(last, {.create = true, .busy_timeout_ms = 1000, .durable = false});
        REQUIRE(s.ok());
        return std::move(*s);
      },
      [&] {
        auto s =
            OpenSqliteStore(last, {.create = false, .busy_timeout_ms = 1000, .durable = false});
        REQUIRE(s.ok());
        return std::move(*s);
      });
}

TEST_CASE("sqlite store refuses bad files without writing") {
  std::string dir = TempDir();
  SECTION("missing file with create = false") {
    auto s = OpenSqliteStore(dir + "/none.db", {.create = false});
    CHECK(s.status().code() == Code::kNotFound);
    CHECK_FALSE(std::filesystem::exists(dir + "/none.db"));
  }
  SECTION("corrupt file") {
    std::string path = dir + "/bad.db";
    std::ofstream(path) << std::string(4096, 'x');
    auto s = OpenSqliteStore(path);
    CHECK(s.status().code() == Code::kCorruption);
    CHECK(std::filesystem::file_size(path) == 4096);
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
  }
  SECTION("newer schema") {
    std::string path = dir + "/new.db";
    {
      auto s = OpenSqliteStore(path);
      REQUIRE(s.ok());
    }
    auto db = Db::Open(path, 100);
    REQUIRE(db.ok());
    REQUIRE(db->Exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'").ok());
    auto s = OpenSqliteStore(path);
    REQUIRE(s.status().code() == Code::kFailedPrecondition);
    CHECK(s.status().message().find("99") != std::string::npos);
    CHECK(s.status().message().find("newer") != std::string::npos);
  }
  SECTION("locked by another writer") {
    std::string path = dir + "/locked.db";
    {
      auto s = OpenSqliteStore(path);
      REQUIRE(s.ok());
    }
    auto holder = Db::Open(path, 100);
    REQUIRE(holder.ok());
    REQUIRE(holder->Exec("BEGIN EXCLUSIVE").ok());
    // WAL readers are not blocked; the first write waits, then fails cleanly.
    auto s = OpenSqliteStore(path, {.create = false, .busy_timeout_ms = 50});
    REQUIRE(s.ok());
    bool created = false;
    auto job = (*s)->CreateJob({"wf", "t", "p", "", "/"}, 1, &created);
    CHECK(job.status().code() == Code::kUnavailable);
    CHECK(job.status().message().find("locked") != std::string::npos);
    REQUIRE(holder->Exec("ROLLBACK").ok());
    CHECK((*s)->ListJobs(10)->empty());
  }
}

}  // namespace dandori::engine
