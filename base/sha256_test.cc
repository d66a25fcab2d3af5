#include "base/sha256.h"

#include <catch2/catch.hpp>

namespace dandori {
namespace {

TEST_CASE("sha256 matches the FIPS test vectors, at once and in pieces", "[sha256]") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char* long_vector = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(Sha256Hex(long_vector) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 h;
  h.Update("abcdbcdecdefdefgefgh");
  h.Update("");
  h.Update("fghighijhijkijkljklmklmnlmnomnopnopq");
  CHECK(h.HexDigest() == Sha256Hex(long_vector));
}

}  // namespace
}  // namespace dandori
