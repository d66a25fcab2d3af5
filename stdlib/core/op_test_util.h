// Test helpers for operators: an OperatorContext with arguments bound against the
// operator's real signature (defaults filled, types checked), and a scratch directory.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "stdlib/operator.h"
#include "stdlib/signatures.h"

namespace dandori::testing {

// A fresh directory under one per-process root that is removed when the tests exit.
inline std::string MakeScratchDir() {
  struct Root {
    std::string path;
    Root() {
      path = "/tmp/dandori-core-test-XXXXXX";
      if (!mkdtemp(path.data())) path.clear();
    }
    ~Root() {
      std::error_code ec;
      if (!path.empty()) std::filesystem::remove_all(path, ec);
    }
  };
  static Root root;
  static int n = 0;
  REQUIRE(!root.path.empty());
  std::string dir = root.path + "/" + std::to_string(++n);
  REQUIRE(std::filesystem::create_directory(dir));
  return dir;
}

inline OperatorContext BoundContext(std::string_view op, Value::Record args) {
  const OperatorSignature* sig = FindOperator(op);
  REQUIRE(sig != nullptr);
  auto bound = BindArguments(*sig, Value::MakeRecord(std::move(args)));
  INFO(bound.status().ToString());
  REQUIRE(bound.ok());
  OperatorContext ctx;
  ctx.args = *bound;
  ctx.job_id = "job-1";
  ctx.task_id = "task-1";
  return ctx;
}

}  // namespace dandori::testing
