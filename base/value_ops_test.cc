#include "base/value_ops.h"

#include <catch2/catch.hpp>

namespace dandori {
namespace {

TEST_CASE("Describe quotes strings and truncates long values", "[value_ops]") {
  CHECK(Describe(Value::String("a\"b")) == "string \"a\\\"b\"");
  CHECK(Describe(Value::Null()) == "null");
  CHECK(Describe(Value::SizeBytes(50LL << 30)) == "size 50GB");
  Value::List many;
  for (int i = 0; i < 100; ++i) many.push_back(Value::Int(i));
  std::string d = Describe(Value::MakeList(many));
  CHECK(d.size() <= 90);
  CHECK(d.substr(d.size() - 3) == "...");
}

TEST_CASE("Field suggests only close names", "[value_ops]") {
  Value rec = Value::MakeRecord({{"chunks", Value::Int(1)}, {"frames", Value::Int(2)}});
  CHECK(Field(rec, "chunk").status().message() ==
        "no field 'chunk' in record {chunks: 1, frames: 2} (did you mean 'chunks'?)");
  CHECK(Field(rec, "zzz").status().message() == "no field 'zzz' in record {chunks: 1, frames: 2}");
}

TEST_CASE("Compare orders within kinds", "[value_ops]") {
  CHECK(*Compare(Value::Int(1), Value::Float(1.0)) == 0);
  CHECK(*Compare(Value::String("b"), Value::String("a")) == 1);
  CHECK(*Compare(Value::Bool(false), Value::Bool(true)) == -1);
  CHECK_FALSE(Compare(Value::Null(), Value::Int(1)).ok());
}

TEST_CASE("float overflow is an error, not infinity", "[value_ops]") {
  auto r = Arith(ArithOp::kMul, Value::Float(1e308), Value::Int(10));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "float overflow: cannot multiply float 1e+308 and int 10");
}

TEST_CASE("percent arithmetic", "[value_ops]") {
  CHECK(*Arith(ArithOp::kMul, Value::Percent(5), Value::Int(2)) == Value::Percent(10));
  CHECK(*Arith(ArithOp::kMul, Value::Int(2), Value::Percent(5)) == Value::Percent(10));
  CHECK_FALSE(Arith(ArithOp::kAdd, Value::Percent(5), Value::Int(2)).ok());
  CHECK(*Arith(ArithOp::kMod, Value::DurationMs(7000), Value::DurationMs(3000)) ==
        Value::DurationMs(1000));
  CHECK(*Arith(ArithOp::kMod, Value::Float(7.5), Value::Int(2)) == Value::Float(1.5));
}

}  // namespace
}  // namespace dandori
