// The PostgreSQL store against the shared store contract, on a real throwaway server,
// plus its own promises: schema versioning and reconnection.
#include "engine/pg/pg_store.h"

#include <catch2/catch.hpp>

#include "engine/pg/open_store.h"
#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_schema.h"
#include "engine/pg/pg_test_server.h"

using dandori::engine::testing::TestServer;
#include "engine/store_contract.h"

namespace dandori::engine {
namespace {

using testing::FreshDatabase;

std::unique_ptr<Store> Open(const std::string& url) {
  auto s = OpenPgStore(url);
  if (!s.ok()) FAIL(s.status().ToString());
  return std::unique_ptr<Store>(std::move(*s));
}

}  // namespace

TEST_CASE("postgres store passes the store contract") {
  std::string last;
  RunStoreContract(
      [&] {
        last = FreshDatabase();
        return Open(last);
      },
      [&] { return Open(last); });
}

TEST_CASE("OpenStore picks PostgreSQL for postgres:// URLs") {
  CHECK(IsPostgresUrl("postgres://u@h/db"));
  CHECK(IsPostgresUrl("postgresql://h/db"));
  CHECK_FALSE(IsPostgresUrl("state.db"));
  std::string url = FreshDatabase();
  auto s = OpenStore(url);
  REQUIRE(s.ok());
  bool created = false;
  REQUIRE((*s)->CreateJob({"wf", "t", "p", "", "/"}, 1, &created).ok());
  CHECK(dynamic_cast<PgStore*>(s->get()) != nullptr);
  auto bad = OpenStore("postgres://nobody@127.0.0.1:1/none");
  CHECK(bad.status().code() == Code::kUnavailable);
}

TEST_CASE("postgres schema: workers refuse an unmigrated database, everyone a newer one") {
  std::string url = FreshDatabase();
  auto worker = OpenPgStore(url, {.migrate = false});
  CHECK(worker.status().code() == Code::kFailedPrecondition);
  CHECK(worker.status().message().find("dandori serve") != std::string::npos);
  REQUIRE(OpenPgStore(url).ok());
  REQUIRE(OpenPgStore(url).ok());  // migrating twice is a no-op
  REQUIRE(OpenPgStore(url, {.migrate = false}).ok());
  auto conn = pg::Conn::Open(url);
  REQUIRE(conn.ok());
  REQUIRE((*conn)->Exec("UPDATE dandori.meta SET value = '99' WHERE key = 'schema_version'").ok());
  auto newer = OpenPgStore(url);
  CHECK(newer.status().code() == Code::kFailedPrecondition);
  CHECK(newer.status().message().find("newer") != std::string::npos);
}

TEST_CASE("postgres store reconnects after the server drops its connection") {
  std::string url = FreshDatabase();
  auto s = Open(url);
  bool created = false;
  auto job = s->CreateJob({"wf", "t", "p", "", "/"}, 1, &created);
  REQUIRE(job.ok());
  auto admin = pg::Conn::Open(TestServer().Url());
  REQUIRE(admin.ok());
  REQUIRE((*admin)
              ->Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname <> "
                     "'postgres' AND pid <> pg_backend_pid()")
              .ok());
  // The first call after the drop may fail (the transaction is gone); the next works.
  (void)s->GetJob(job->id);
  auto again = s->GetJob(job->id);
  REQUIRE(again.ok());
  CHECK(again->id == job->id);
}

}  // namespace dandori::engine
