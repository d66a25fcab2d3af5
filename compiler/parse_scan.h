// Byte-level checks the parser runs before (and beside) ANTLR, free of ANTLR types:
// UTF-8 validation, the nesting pre-scan that refuses input deep enough to exhaust the
// recursive-descent parser's stack, and the splitting of a string token into text
// pieces and ${...} interpolations (each parsed as an expression by compiler/parse.cc).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dandori::compiler {

// A byte position: 0-based offset plus 1-based line and byte column.
struct BytePos {
  size_t offset = 0;
  int line = 1;
  int col = 1;
};

// The position of `offset` in `text` (counting lines from the start).
BytePos PositionOf(std::string_view text, size_t offset);

// Finds the first invalid UTF-8 sequence or NUL byte. Returns false and fills `where`
// and `message` when one is found.
bool ValidateText(std::string_view text, BytePos* where, std::string* message);

// Scans brackets ( [ { and ${ the way the lexer does (skipping comments, entering
// strings and interpolations). Returns false with the position of the first opener
// deeper than `limit`.
bool CheckNesting(std::string_view text, int limit, BytePos* where);

// One piece of a string literal: decoded text, or the byte range of a ${...} body.
struct StringPiece {
  bool is_expr = false;
  std::string text;           // decoded text (is_expr == false)
  size_t begin = 0, end = 0;  // byte range of the expression inside ${ } (offsets in source)
  size_t offset = 0;          // where the piece starts in the source
};

struct StringError {
  size_t offset = 0;
  std::string message;
};

// Splits the string token source[begin, end) (from the opening quote to the closing
// one, or to the line end when `terminated` is false).
std::vector<StringPiece> SplitString(std::string_view source, size_t begin, size_t end,
                                     bool terminated, std::vector<StringError>* errors);

// The '{' a missing '}' most likely belongs to, for a file that ends inside a block.
// By indentation when a '}' on its own line lines up with an outer block's line rather
// than the innermost one's, and that reading balances the file (then `closer` is that
// '}' and `outer` the start of the line it lines up with); else the innermost '{' left
// open by counting.
struct UnclosedBrace {
  BytePos open;
  bool by_indent = false;
  BytePos closer, outer;
};
bool FindUnclosedBrace(std::string_view text, UnclosedBrace* out);

// What the '{' at `offset` opens, from the first word of its line, for messages:
// "the foreach block", "the workflow's block", "the stage's policy block", "the block".
std::string BlockKindAt(std::string_view text, size_t offset);

// True when only spaces and tabs precede `offset` on its line.
bool StartsOwnLine(std::string_view text, size_t offset);

}  // namespace dandori::compiler
