// Test helper for the server tests: compiles .flow text to a Table (REQUIRE: no errors).
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "compiler/compile.h"

namespace dandori::server::testing {

inline v1::Table CompileFlow(const std::string& text) {
  compiler::SourceManager sm;
  compiler::Diagnostics diags;
  int f = sm.Add("t.flow", text);
  auto out = compiler::CompileSource(f, sm, diags);
  REQUIRE(out.table.has_value());
  return *out.table;
}

}  // namespace dandori::server::testing
