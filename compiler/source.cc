#include "compiler/source.h"

namespace dandori::compiler {

int SourceManager::Add(std::string path, std::string text) {
  // A leading UTF-8 byte-order mark (editors on Windows write one) is not part of the
  // text: columns on line 1 count from the first character after it.
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  File f{std::move(path), std::move(text), {0}};
  for (size_t i = 0; i < f.text.size(); ++i) {
    if (f.text[i] == '\n') f.line_starts.push_back(i + 1);
  }
  files_.push_back(std::move(f));
  return static_cast<int>(files_.size()) - 1;
}

int SourceManager::Find(std::string_view path) const {
  for (size_t i = 0; i < files_.size(); ++i) {
    if (files_[i].path == path) return static_cast<int>(i);
  }
  return -1;
}

std::string_view SourceManager::Line(int file, int line) const {
  if (file < 0 || file >= size() || line < 1) return {};
  const File& f = files_[file];
  if (static_cast<size_t>(line) > f.line_starts.size()) return {};
  size_t start = f.line_starts[line - 1];
  if (start > f.text.size()) return {};
  size_t end = f.text.find('\n', start);
  if (end == std::string::npos) end = f.text.size();
  std::string_view out(f.text.data() + start, end - start);
  if (!out.empty() && out.back() == '\r') out.remove_suffix(1);
  return out;
}

}  // namespace dandori::compiler
