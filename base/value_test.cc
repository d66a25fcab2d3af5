#include "base/value.h"

#include <catch2/catch.hpp>

#include "base/type.h"

namespace dandori {

TEST_CASE("values print in .flow form") {
  Value r = Value::MakeRecord({{"name", Value::String("720p")},
                               {"height", Value::Int(720)},
                               {"gop", Value::DurationMs(6000)},
                               {"rate", Value::SizeBytes(128000)}});
  CHECK(r.ToString() == R"({name: "720p", height: 720, gop: 6s, rate: 128k})");
  CHECK(Value::MakeList({Value::Int(1), Value::Percent(5)}).ToString() == "[1, 5%]");
  CHECK(FormatDuration(5400000) == "1h30m");
  CHECK(FormatDuration(-1500) == "-1s500ms");
  CHECK(FormatDuration(INT64_MIN).starts_with("-"));
  CHECK(FormatSize(50LL << 30) == "50GB");
}

TEST_CASE("values round-trip through JSON") {
  auto v = Value::FromJson(R"({"a": [1, 2.5, "x", true, null], "b": {"c": 3}})");
  REQUIRE(v.ok());
  CHECK(v->Get("b").Get("c") == Value::Int(3));
  CHECK(v->Get("a").list().size() == 5);
  CHECK(Value::FromJson(v->ToJson()).value() == *v);
  CHECK_FALSE(Value::FromJson("{nope").ok());
}

TEST_CASE("values coerce to parameter types") {
  CHECK(CoerceValue(Value::String("90s"), *Type::Duration()).value() == Value::DurationMs(90000));
  CHECK(CoerceValue(Value::String("42"), *Type::Int()).value() == Value::Int(42));
  CHECK_FALSE(CoerceValue(Value::String("4x2"), *Type::Int()).ok());
  auto list = CoerceValue(Value::String("[1,2]"), *Type::ListOf(Type::Int()));
  REQUIRE(list.ok());
  CHECK(list->list().size() == 2);
  auto rec = Type::Record("", {{"h", Type::Int(), false}});
  CHECK_FALSE(CoerceValue(Value::String("{}"), *rec).ok());
}

}  // namespace dandori
