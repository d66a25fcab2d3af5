// Helpers for the file-driven compiler tests: reading, listing, regeneration.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace dandori::compiler::testing {

inline std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteText(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

inline bool Regenerate() {
  const char* v = std::getenv("DANDORI_REGEN");
  return v && std::string(v) == "1";
}

// Files with extension `ext` directly in `dir` (or below it, when recursive), sorted,
// as paths relative to the working directory (the source root under ctest).
inline std::vector<std::string> ListFiles(const std::string& dir, const std::string& ext,
                                          bool recursive = false) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  if (recursive) {
    for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path().string());
    }
  } else {
    for (auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dandori::compiler::testing
