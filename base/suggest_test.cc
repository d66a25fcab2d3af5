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
}

}  // namespace
}  // namespace dandori
