// Starts a real throwaway server, talks to it, stops it, and checks it is gone.
#include "tests/pgharness/temp_postgres.h"

#include <libpq-fe.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

using dandori::testing::TempPostgres;

TEST_CASE("TempPostgres starts a server with fsync on and removes it on Stop") {
  auto pg = TempPostgres::Start();
  REQUIRE(pg.ok());
  std::string dir = (*pg)->dir();
  REQUIRE(std::filesystem::exists(dir + "/data/PG_VERSION"));
  PGconn* conn = PQconnectdb((*pg)->Url().c_str());
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  PGresult* res = PQexec(conn, "SHOW fsync");
  REQUIRE(PQresultStatus(res) == PGRES_TUPLES_OK);
  CHECK(std::string(PQgetvalue(res, 0, 0)) == "on");
  PQclear(res);
  PQfinish(conn);

  REQUIRE((*pg)->CreateDatabase("t1").ok());
  REQUIRE((*pg)->Exec("CREATE TABLE x (a int PRIMARY KEY)", "t1").ok());
  CHECK_FALSE((*pg)->Exec("CREATE TABLE x (a int)", "t1").ok());
  CHECK_FALSE((*pg)->CreateDatabase("bad; name").ok());

  std::string url = (*pg)->Url();
  REQUIRE((*pg)->Stop().ok());
  CHECK_FALSE(std::filesystem::exists(dir));
  CHECK(PQping(url.c_str()) != PQPING_OK);
}

TEST_CASE("TempPostgres servers run side by side on different ports") {
  auto a = TempPostgres::Start();
  auto b = TempPostgres::Start();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK((*a)->port() != (*b)->port());
  CHECK(PQping((*a)->Url().c_str()) == PQPING_OK);
  CHECK(PQping((*b)->Url().c_str()) == PQPING_OK);
}
