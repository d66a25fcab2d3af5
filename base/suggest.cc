#include "base/suggest.h"

#include <algorithm>
#include <cctype>

namespace dandori {

int EditDistance(std::string_view a, std::string_view b, int cap) {
  // Optimal string alignment: insertions, deletions, substitutions and transpositions of
  // two adjacent characters ("exce" -> "exec") each cost one edit.
  int diff = static_cast<int>(a.size()) - static_cast<int>(b.size());
  if (std::abs(diff) > cap) return cap + 1;
  std::vector<int> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    int row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      int sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
      row_min = std::min(row_min, cur[j]);
    }
    // Exact for "> cap" with transpositions too: D[i+1][j] <= cap through one needs
    // D[i-1][j-2] < cap, which would make D[i][j-1] <= cap.
    if (row_min > cap) return cap + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

static std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Suggest(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.empty() || word.size() > 200) return "";
  int cap = std::max<int>(1, static_cast<int>(word.size()) / 3);
  std::string best;
  int best_d = cap + 1;
  std::string lw = Lower(word);
  for (const std::string& c : candidates) {
    if (c == word) continue;
    int d = Lower(c) == lw ? 0 : EditDistance(word, c, cap);
    // A word that one is an abbreviation or extension of ("integer" for "int", "str"
    // for "string"), three letters at least, is as good as the farthest edit allowed.
    std::string lc = Lower(c);
    size_t shorter = std::min(lc.size(), lw.size());
    size_t longer = std::max(lc.size(), lw.size());
    if (d > cap && shorter >= 3 && longer <= 2 * shorter + 1 &&
        lc.compare(0, shorter, lw, 0, shorter) == 0) {
      d = cap;
    }
    // Also compare against the part after the family ("encod" vs "media.encode").
    size_t dot = c.find('.');
    if (dot != std::string::npos && word.find('.') == std::string_view::npos) {
      d = std::min(d, EditDistance(word, std::string_view(c).substr(dot + 1), cap));
    }
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string s = Suggest(word, candidates);
  return s.empty() ? "" : "; did you mean '" + s + "'?";
}

}  // namespace dandori
