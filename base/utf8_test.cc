#include "base/utf8.h"

#include <catch2/catch.hpp>

namespace dandori {

TEST_CASE("ValidUtf8 keeps well-formed text and replaces each bad byte") {
  CHECK(ValidUtf8("hello, world!\n") == "hello, world!\n");
  CHECK(ValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\xA5") ==
        "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\xA5");
  CHECK(ValidUtf8("a\xFF"
                  "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(ValidUtf8("\xC3") == "\xEF\xBF\xBD");                  // cut short at the end
  CHECK(ValidUtf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  CHECK(ValidUtf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  CHECK(ValidUtf8("\xF4\x90\x80\x80").size() == 12);                           // past U+10FFFF
  CHECK(ValidUtf8(std::string_view("a\0b", 3)) == std::string("a\0b", 3));
}

}  // namespace dandori
