// Source files and locations. Every AST node carries a Loc (file index, line, column);
// the SourceManager owns the text so diagnostics can print the offending line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dandori::compiler {

struct Loc {
  int file = -1;  // index in SourceManager; -1 = unknown
  int line = 0;   // 1-based
  int col = 0;    // 1-based, in bytes

  bool valid() const { return file >= 0 && line > 0; }
  bool operator<(const Loc& o) const {
    if (file != o.file) return file < o.file;
    if (line != o.line) return line < o.line;
    return col < o.col;
  }
  bool operator==(const Loc& o) const = default;
};

class SourceManager {
 public:
  // Registers a file's text; returns its index.
  int Add(std::string path, std::string text);
  // Index of an already-added path, or -1.
  int Find(std::string_view path) const;
  const std::string& path(int file) const { return files_[file].path; }
  const std::string& text(int file) const { return files_[file].text; }
  int size() const { return static_cast<int>(files_.size()); }
  // The text of a 1-based line without its newline ("" if out of range).
  std::string_view Line(int file, int line) const;
  // A sealed manager holds every file a compile may read (a bundle submitted to the
  // server): imports resolve only among its files, never on disk.
  void Seal() { sealed_ = true; }
  bool sealed() const { return sealed_; }

 private:
  struct File {
    std::string path;
    std::string text;
    std::vector<size_t> line_starts;
  };
  std::vector<File> files_;
  bool sealed_ = false;
};

}  // namespace dandori::compiler
