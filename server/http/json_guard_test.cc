#include "server/http/json_guard.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

namespace dandori::server::http {

TEST_CASE("CheckJson passes ordinary bodies") {
  CHECK(CheckJson(R"({"a": [1, {"b": "caf\u00e9 \u00e9"}], "c": "\ud83d\ude00"})").ok());
  CHECK(CheckJson("{\"s\": \"caf\xc3\xa9\"}").ok());
}

TEST_CASE("CheckJson refuses malformed JSON with its position") {
  Status st = CheckJson(R"({"a": [1, 2})");
  CHECK(!st.ok());
  CHECK(st.message().find("byte") != std::string::npos);
  CHECK(!CheckJson("{\"a\": 1} trailing").ok());
  CHECK(!CheckJson("").ok());
}

TEST_CASE("CheckJson refuses NUL, control characters and invalid UTF-8 in strings") {
  CHECK(CheckJson(R"({"k": "a\u0000b"})").message().find("NUL") != std::string::npos);
  CHECK(!CheckJson(std::string("{\"k\": \"a\0b\"}", 12)).ok());
  CHECK(!CheckJson("{\"k\": \"a\x01\"}").ok());
  CHECK(!CheckJson("{\"k\": \"\xff\"}").ok());
  CHECK(!CheckJson("{\"k\": \"\xc0\x80\"}").ok());      // overlong NUL
  CHECK(!CheckJson("{\"k\": \"\xed\xa0\x80\"}").ok());  // raw surrogate
  CHECK(!CheckJson(R"({"k": "\ud800"})").ok());
  CHECK(!CheckJson(R"({"k": "\udc00x"})").ok());
  CHECK(!CheckJson(R"({"k": "\u12"})").ok());
  CHECK(!CheckJson(R"({"k": "open)").ok());
}

TEST_CASE("CheckJson bounds depth and size, in linear time") {
  std::string ok = std::string(64, '[') + std::string(64, ']');
  CHECK(CheckJson(ok).ok());
  std::string deep = std::string(65, '[') + std::string(65, ']');
  Status st = CheckJson(deep);
  CHECK(st.message().find("deeper than 64") != std::string::npos);
  auto t0 = std::chrono::steady_clock::now();
  std::string huge(100000, '[');
  CHECK(!CheckJson(huge).ok());
  std::string wide;
  for (int i = 0; i < 200000; ++i) wide += "[[[]]],";
  CHECK(!CheckJson("[" + wide + "1]", {.max_bytes = 1000}).ok());
  CHECK(CheckJson("[" + wide + "1]", {.max_bytes = 8u << 20}).ok());
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
}

TEST_CASE("CleanUtf8") {
  CHECK(CleanUtf8("caf\xc3\xa9"));
  CHECK_FALSE(CleanUtf8(std::string("a\0b", 3)));
  CHECK_FALSE(CleanUtf8("\xe2\x82"));
}

}  // namespace dandori::server::http
