#include "engine/builtins.h"

#include <catch2/catch.hpp>

#include "dandori/v1/table.pb.h"

namespace dandori::engine {
namespace {

using namespace dandori::v1;  // OP_* and BUILTIN_*
using ::dandori::Code;
using ::dandori::Value;

Value S(const char* s) { return Value::String(s); }
Value I(int64_t i) { return Value::Int(i); }
Value L(Value::List items) { return Value::MakeList(std::move(items)); }

Value Call(Builtin b, std::vector<Value> args) {
  auto r = CallBuiltin(b, args);
  INFO(BuiltinName(b) << ": " << r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

std::string Fails(Builtin b, std::vector<Value> args) {
  auto r = CallBuiltin(b, args);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  return r.status().message();
}

TEST_CASE("len", "[builtins]") {
  CHECK(Call(BUILTIN_LEN, {L({I(1), I(2)})}) == I(2));
  CHECK(Call(BUILTIN_LEN, {S("héllo")}) == I(5));  // characters, not bytes
  CHECK(Call(BUILTIN_LEN, {Value::MakeRecord({{"a", I(1)}})}) == I(1));
  CHECK(Fails(BUILTIN_LEN, {Value::Null()}) == "len() expects a list, string or record, got null");
}

TEST_CASE("path functions", "[builtins]") {
  CHECK(Call(BUILTIN_BASENAME, {S("/data/in/movie.mp4")}) == S("movie.mp4"));
  CHECK(Call(BUILTIN_BASENAME, {S("dir/sub/")}) == S("sub"));
  CHECK(Call(BUILTIN_BASENAME, {S("/")}) == S("/"));
  CHECK(Call(BUILTIN_DIRNAME, {S("/data/in/movie.mp4")}) == S("/data/in"));
  CHECK(Call(BUILTIN_DIRNAME, {S("movie.mp4")}) == S("."));
  CHECK(Call(BUILTIN_DIRNAME, {S("/movie.mp4")}) == S("/"));
  CHECK(Call(BUILTIN_STEM, {S("a/b.tar.gz")}) == S("b.tar"));
  CHECK(Call(BUILTIN_STEM, {S("a/.hidden")}) == S(".hidden"));
  CHECK(Call(BUILTIN_STEM, {S("a/b.mp4")}) == S("b"));
  CHECK(Call(BUILTIN_JOIN, {S("out"), S("720p"), S("seg.ts")}) == S("out/720p/seg.ts"));
  CHECK(Call(BUILTIN_JOIN, {S("out/"), S("x")}) == S("out/x"));
  CHECK(Call(BUILTIN_JOIN, {S("out"), S("/abs")}) == S("/abs"));
  CHECK(Call(BUILTIN_JOIN, {L({S("a"), S("b")})}) == S("a/b"));
  CHECK(Fails(BUILTIN_JOIN, {S("a"), I(1)}) == "join() expects a string, got int 1");
  CHECK(Fails(BUILTIN_BASENAME, {I(1)}) == "basename() expects a string, got int 1");
}

TEST_CASE("str and int", "[builtins]") {
  CHECK(Call(BUILTIN_STR, {I(42)}) == S("42"));
  CHECK(Call(BUILTIN_STR, {Value::DurationMs(5400000)}) == S("1h30m"));
  CHECK(Call(BUILTIN_STR, {L({S("a")})}) == S("[\"a\"]"));
  CHECK(Call(BUILTIN_INT, {S("-17")}) == I(-17));
  CHECK(Call(BUILTIN_INT, {Value::Float(3.9)}) == I(3));
  CHECK(Call(BUILTIN_INT, {Value::Bool(true)}) == I(1));
  CHECK(Call(BUILTIN_INT, {Value::SizeBytes(2048)}) == I(2048));
  CHECK(Call(BUILTIN_INT, {Value::DurationMs(1500)}) == I(1500));
  CHECK(Fails(BUILTIN_INT, {S("12x")}) ==
        "int() expects a string of decimal digits, got string \"12x\"");
  CHECK(Fails(BUILTIN_INT, {S("")}).find("int() expects") == 0);
  CHECK(Fails(BUILTIN_INT, {Value::Float(1e30)}).find("int range") != std::string::npos);
  CHECK(Fails(BUILTIN_INT, {Value::Null()}).find("int() expects") == 0);
}

TEST_CASE("min and max", "[builtins]") {
  CHECK(Call(BUILTIN_MIN, {I(3), I(1), I(2)}) == I(1));
  CHECK(Call(BUILTIN_MAX, {L({I(3), I(7), I(2)})}) == I(7));
  CHECK(Call(BUILTIN_MAX, {Value::DurationMs(1), Value::DurationMs(9)}) == Value::DurationMs(9));
  CHECK(Call(BUILTIN_MIN, {I(2), Value::Float(1.5)}) == Value::Float(1.5));
  CHECK(Fails(BUILTIN_MIN, {L({})}) == "min() of an empty list");
  CHECK(Fails(BUILTIN_MAX, {I(1), S("a")}) == "max(): cannot compare string \"a\" with int 1");
  CHECK(Fails(BUILTIN_MAX, {}) == "max() takes at least 1 arguments, got 0");
}

TEST_CASE("range", "[builtins]") {
  CHECK(Call(BUILTIN_RANGE, {I(3)}) == L({I(0), I(1), I(2)}));
  CHECK(Call(BUILTIN_RANGE, {I(0)}) == L({}));
  CHECK(Call(BUILTIN_RANGE, {I(-5)}) == L({}));
  CHECK(Call(BUILTIN_RANGE, {I(2), I(4)}) == L({I(2), I(3)}));
  CHECK(Call(BUILTIN_RANGE, {I(1'000'000)}).list().size() == 1'000'000);
  CHECK(Fails(BUILTIN_RANGE, {I(1'000'001)}) ==
        "range() of 1000001 items is over the limit of 1000000");
  CHECK(Fails(BUILTIN_RANGE,
              {I(std::numeric_limits<int64_t>::min()), I(std::numeric_limits<int64_t>::max())})
            .find("over the limit") != std::string::npos);
  CHECK(Fails(BUILTIN_RANGE, {S("3")}) == "range() expects an int, got string \"3\"");
  CHECK(Fails(BUILTIN_RANGE, {I(1), I(2), I(3)}) == "range() takes 1 to 2 arguments, got 3");
}

TEST_CASE("strings: lower, upper, split", "[builtins]") {
  CHECK(Call(BUILTIN_LOWER, {S("HeLLo")}) == S("hello"));
  CHECK(Call(BUILTIN_UPPER, {S("HeLLo")}) == S("HELLO"));
  CHECK(Call(BUILTIN_SPLIT, {S("a,b,,c,"), S(",")}) == L({S("a"), S("b"), S("c")}));
  CHECK(Call(BUILTIN_SPLIT, {S("a::b"), S("::")}) == L({S("a"), S("b")}));
  CHECK(Call(BUILTIN_SPLIT, {S("  a b\tc\n"), S("")}) == L({S("a"), S("b"), S("c")}));
  CHECK(Call(BUILTIN_SPLIT, {S(""), S(",")}) == L({}));
  CHECK(Fails(BUILTIN_SPLIT, {S("a")}) == "split() takes 2 arguments, got 1");
}

TEST_CASE("records, durations, flatten, default", "[builtins]") {
  Value rec = Value::MakeRecord({{"b", I(1)}, {"a", I(2)}});
  CHECK(Call(BUILTIN_KEYS, {rec}) == L({S("b"), S("a")}));
  CHECK(Fails(BUILTIN_KEYS, {I(1)}) == "keys() expects a record, got int 1");
  CHECK(Call(BUILTIN_SECONDS, {Value::DurationMs(1500)}) == Value::Float(1.5));
  CHECK(Fails(BUILTIN_SECONDS, {I(1)}) == "seconds() expects a duration, got int 1");
  CHECK(Call(BUILTIN_FLATTEN, {L({L({I(1)}), L({}), L({I(2), I(3)})})}) == L({I(1), I(2), I(3)}));
  CHECK(Fails(BUILTIN_FLATTEN, {L({I(1)})}) ==
        "flatten() expects a list item that is a list, got int 1");
  CHECK(Call(BUILTIN_DEFAULT, {Value::Null(), I(5)}) == I(5));
  CHECK(Call(BUILTIN_DEFAULT, {I(0), I(5)}) == I(0));
}

TEST_CASE("builtin names", "[builtins]") {
  CHECK(BuiltinName(BUILTIN_SPLIT) == "split");
  CHECK(BuiltinName(12345) == "builtin#12345");
  // Every builtin of the proto has an implementation.
  for (int b = Builtin_MIN + 1; b <= Builtin_MAX; ++b) {
    INFO(b);
    CHECK(BuiltinName(b).find("builtin#") == std::string::npos);
  }
}

}  // namespace
}  // namespace dandori::engine
