// Positions (UTF-16 and UTF-8), range edits, file URIs and the message framing.
#include <catch2/catch.hpp>
#include <sstream>

#include "lsp/text.h"
#include "lsp/transport.h"

namespace dandori::lsp {
namespace {

TEST_CASE("positions count UTF-16 code units or bytes") {
  // "é" is 2 bytes, 1 UTF-16 unit; "😀" is 4 bytes, 2 UTF-16 units.
  std::string text = "ab\n\xc3\xa9x\xf0\x9f\x98\x80y\r\nlast";
  LineIndex u16(text, Encoding::kUtf16), u8(text, Encoding::kUtf8);
  CHECK(u16.lines() == 3);
  CHECK(u16.Line(1) == "\xc3\xa9x\xf0\x9f\x98\x80y");
  size_t y = text.find('y');
  CHECK(u16.At(y).line == 1);
  CHECK(u16.At(y).character == 4);
  CHECK(u8.At(y).character == 7);
  CHECK(u16.Offset({1, 4}) == y);
  CHECK(u8.Offset({1, 7}) == y);
  CHECK(u16.Offset({1, 99}) == text.find('\r'));  // clamped to the line end
  CHECK(u16.Offset({9, 0}) == text.size());
  CHECK(u16.AtLoc(1, 2).character == 1);  // compiler columns are 1-based bytes
  CHECK(u16.AtLoc(2, 4).character == 2);
}

TEST_CASE("a range edit replaces exactly its range; no range replaces the text") {
  std::string text = "stage a = noop()\nstage b = noop()\n";
  nlohmann::json change = {
      {"range",
       {{"start", {{"line", 1}, {"character", 6}}}, {"end", {{"line", 1}, {"character", 7}}}}},
      {"text", "bee"}};
  ApplyChange(&text, change, Encoding::kUtf16);
  CHECK(text == "stage a = noop()\nstage bee = noop()\n");
  ApplyChange(&text, {{"text", "x"}}, Encoding::kUtf16);
  CHECK(text == "x");
}

TEST_CASE("file URIs round-trip with percent escapes") {
  CHECK(UriFromPath("/tmp/a b/c.flow") == "file:///tmp/a%20b/c.flow");
  CHECK(PathFromUri("file:///tmp/a%20b/c.flow") == "/tmp/a b/c.flow");
  CHECK(PathFromUri("file://localhost/x.flow") == "/x.flow");
  CHECK(PathFromUri("untitled:1") == "untitled:1");
}

TEST_CASE("framing: messages, an oversized one skipped, broken headers refused") {
  std::string big(100, 'x');
  std::stringstream in;
  in << "Content-Length: 2\r\n\r\n{}"
     << "content-length:3\r\nContent-Type: x\r\n\r\n[1]"
     << "Content-Length: " << (kMaxMessageBytes + 1) << "\r\n\r\n"
     << std::string(kMaxMessageBytes + 1, ' ') << "Content-Length: 1\r\n\r\n7"
     << "X-Other: 1\r\n\r\n";
  std::stringstream out;
  Transport t(in, out);
  std::string body, error;
  REQUIRE(t.Read(&body, &error) == ReadStatus::kMessage);
  CHECK(body == "{}");
  REQUIRE(t.Read(&body, &error) == ReadStatus::kMessage);
  CHECK(body == "[1]");
  REQUIRE(t.Read(&body, &error) == ReadStatus::kTooLarge);
  CHECK(error.find("over the limit") != std::string::npos);
  REQUIRE(t.Read(&body, &error) == ReadStatus::kMessage);  // still in step
  CHECK(body == "7");
  REQUIRE(t.Read(&body, &error) == ReadStatus::kBroken);
  CHECK(error == "a message has no Content-Length header");
  CHECK(t.Read(&body, &error) == ReadStatus::kEnd);

  std::stringstream cut("Content-Length: 10\r\n\r\n{}");
  Transport t2(cut, out);
  CHECK(t2.Read(&body, &error) == ReadStatus::kBroken);
  CHECK(error == "the stream ended inside a message body");
  std::stringstream bad("Content-Length: ten\r\n\r\n");
  Transport t3(bad, out);
  CHECK(t3.Read(&body, &error) == ReadStatus::kBroken);

  t.Write({{"a", 1}});
  CHECK(out.str() == "Content-Length: 7\r\n\r\n{\"a\":1}");
}

}  // namespace
}  // namespace dandori::lsp
