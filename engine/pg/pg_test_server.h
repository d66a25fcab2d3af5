// One throwaway PostgreSQL server per test binary (started on first use, stopped at
// exit), and fresh databases on it.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "tests/pgharness/temp_postgres.h"

namespace dandori::engine::testing {

inline dandori::testing::TempPostgres& TestServer() {
  static std::unique_ptr<dandori::testing::TempPostgres> server = [] {
    auto s = dandori::testing::TempPostgres::Start();
    if (!s.ok()) FAIL("cannot start PostgreSQL: " << s.status().ToString());
    return std::move(*s);
  }();
  return *server;
}

// A new empty database; returns its URL.
inline std::string FreshDatabase() {
  static int n = 0;
  std::string name = "t" + std::to_string(n++);
  auto st = TestServer().CreateDatabase(name);
  REQUIRE(st.ok());
  return TestServer().Url(name);
}

}  // namespace dandori::engine::testing
