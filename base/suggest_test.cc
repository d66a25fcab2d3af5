#include "base/suggest.h"

#include <catch2/catch.hpp>

namespace dandori {
namespace {

TEST_CASE("suggestions by edit distance", "[suggest]") {
  CHECK(EditDistance("kitten", "sitting") == 3);
  CHECK(EditDistance("kitten", "sitting", 1) == 2);  // capped: > cap as soon as it exceeds it
  CHECK(EditDistance("", "abc") == 3);
  CHECK(Suggest("media.encod", {"media.encode", "media.merge"}) == "media.encode");
  CHECK(Suggest("encod", {"media.encode", "media.merge"}) == "media.encode");
  CHECK(Suggest("zzz", {"media.encode"}).empty());
  CHECK(DidYouMean("HLS", {"hls", "dash"}) == "; did you mean 'hls'?");
  CHECK(DidYouMean("True", {"true", "false", "null"}) == "; did you mean 'true'?");
}

TEST_CASE("a transposition is one edit; a prefix of three letters or more is a match",
          "[suggest]") {
  CHECK(EditDistance("exce", "exec") == 1);
  CHECK(EditDistance("ab", "ba") == 1);
  CHECK(EditDistance("abcd", "badc") == 2);
  CHECK(EditDistance("exce", "exec", 0) == 1);  // > cap
  CHECK(Suggest("exce", {"exec", "sleep"}) == "exec");
  CHECK(Suggest("slep", {"exec", "sleep"}) == "sleep");
  CHECK(Suggest("integer", {"int", "float", "string"}) == "int");
  CHECK(Suggest("str", {"int", "float", "string"}) == "string");
  CHECK(Suggest("in", {"int"}) == "int");  // one edit
  CHECK(Suggest("xyzzy", {"xyz_other"}).empty());
  CHECK(Suggest("integration_test", {"int"}).empty());  // far longer than the prefix
  // A closer edit wins over a prefix.
  CHECK(Suggest("encod", {"encode", "encoder_pool"}) == "encode");
}

}  // namespace
}  // namespace dandori
